// Compiles the product for `npm start`: main.ts and what it imports, bundled by esbuild into dist/
// (packages stay in node_modules, zod aside; each dynamic import() is a chunk of its own, loaded when first
// needed). Node then loads plain JavaScript: transpiling TypeScript module by module at every start (tsx)
// cost most of a second.
// `npm install` runs this (postinstall); scripts/start.mjs runs it again when a source changed since.
// Plain JavaScript, because it runs where no TypeScript loader is.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const DIST = path.join(ROOT, 'dist');
const ENTRY = 'main.ts';
/** The inputs of the last build with their modification times: the build is current while they are unchanged. */
const inputsFile = (outdir) => path.join(outdir, 'inputs.json');

/**
 * Each module sees its own source file as `import.meta.url` (not the bundle's), so paths it builds from it
 * (package.json, migrations/, a worker script beside it) are the same compiled as under tsx. Relative to the
 * bundle, which lies flat in dist/ as every chunk does, so a moved checkout keeps working.
 */
const sourceUrls = (outdir) => ({
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(path.relative(outdir, args.path).split(path.sep).join('/'))}, import.meta.url).href`,
        ),
        loader: 'ts',
      };
    });
  },
});

/**
 * Packages compiled into the bundle rather than loaded from node_modules: pure JavaScript that loads before
 * the database can start (zod validates the configuration), made of many small ES modules whose one-by-one
 * loading costs more than their code. zod-openapi goes with zod, so both see one zod. Every other package
 * stays in node_modules.
 */
const BUNDLED = new Set(['zod', 'zod-openapi']);
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const onlyBundledPackages = {
  name: 'only-bundled-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('node:') || BUNDLED.has(packageOf(args.path))
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/** Builds dist/ (or `outdir`) from the sources; returns the build's duration in ms. */
export async function buildProduct(outdir = DIST) {
  const started = performance.now();
  const { build } = await import('esbuild');
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outdir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [onlyBundledPackages, sourceUrls(outdir)],
  });
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((input) => [input, statSync(path.join(ROOT, input)).mtimeMs]),
  );
  writeFileSync(inputsFile(outdir), JSON.stringify(inputs, null, 1));
  return performance.now() - started;
}

/** Whether dist/ (or `outdir`) was built from the sources as they are now (no input changed, moved or removed since). */
export function buildIsCurrent(outdir = DIST) {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(inputsFile(outdir), 'utf8'));
  } catch {
    return false;
  }
  return Object.entries(inputs).every(([input, mtimeMs]) => {
    try {
      return statSync(path.join(ROOT, input)).mtimeMs === mtimeMs;
    } catch {
      return false;
    }
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // As npm's postinstall: never fail the install; `npm start` builds (and shows the error) when dist/ is missing.
  try {
    const ms = await buildProduct();
    process.stdout.write(`frontdesk: compiled for npm start in ${Math.round(ms)} ms (${DIST})\n`);
  } catch (error) {
    process.stderr.write(
      `frontdesk: could not compile (${error instanceof Error ? error.message : String(error)}); npm start will try again\n`,
    );
  }
}
