// Runs after `npm install`/`npm ci`: makes the clean PGlite data directory that the first start copies
// instead of running initdb (infra/pglite.ts). Never fails the install: without a template, the first
// start only takes about a second longer.
import { defaultTemplateDir } from '../infra/pglite.ts';
import { createPgliteTemplate } from '../infra/pglite-template.ts';

const started = performance.now();
try {
  const result = await createPgliteTemplate();
  if (result === 'created') {
    process.stdout.write(
      `frontdesk: embedded database template ready in ${Math.round(performance.now() - started)} ms (${defaultTemplateDir()})\n`,
    );
  }
} catch (error) {
  process.stderr.write(
    `frontdesk: could not prepare the embedded database template (${error instanceof Error ? error.message : String(error)}); the first start will initialise the database itself\n`,
  );
}
