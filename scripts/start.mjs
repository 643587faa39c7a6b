// `npm start`: runs the compiled product (dist/main.js, see scripts/build.mjs) in this very process, so
// signals reach main.ts's handlers directly. When a source changed since the last build (a `git pull`, an
// edit) it compiles first, so what runs is always what the sources say.
import { buildIsCurrent, buildProduct } from './build.mjs';

if (!buildIsCurrent()) {
  const ms = await buildProduct();
  process.stderr.write(`frontdesk: sources changed since the last build; compiled in ${Math.round(ms)} ms\n`);
}
// Stack traces name the TypeScript sources, not the bundle.
process.setSourceMapsEnabled(true);
await import('../dist/main.js');
