// Opens the embedded PGlite database in its worker thread, first copying the install-time template into an
// empty data directory. On a cold process, initdb in WASM plus the first migrations take about two seconds;
// copying a clean directory takes a fraction of that. `npm install` makes the template
// (infra/pglite-template.ts) and the first start on an empty DATA_DIR copies it. The template records which
// migration files made it; once those change it is not used (and the next `npm install` remakes it).
// Without a usable template PGlite initialises the directory itself, only slower. Loads no knex: main.ts
// opens the database with it before the rest of the product loads.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { migrationFingerprints } from './migrations.ts';
import { PGliteThread } from './pglite-thread.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A PGlite over `dataDir` (in memory when undefined) with the extensions the migrations create, in a
 * worker thread of its own (infra/pglite-worker.mjs). An empty `dataDir` first gets a copy of the template
 * (`templateDir`, by default the one `npm install` made), on the thread pool while the worker boots.
 */
export function openPglite(
  dataDir: string | undefined,
  { templateDir, logger }: { templateDir?: string; logger?: Logger } = {},
): PGliteThread {
  if (dataDir === undefined) return new PGliteThread(undefined);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const seeded = seedFromTemplate(dataDir, templateDir)
    .then(
      (copied) => copied && logger?.info({ dataDir }, 'embedded database created from the install-time template'),
      (error: unknown) =>
        logger?.warn({ err: error }, 'could not copy the embedded database template; initialising from scratch'),
    )
    .finally(() => mkdirSync(dataDir, { recursive: true }));
  return new PGliteThread(dataDir, { after: seeded });
}

/** Where the embedded database of a DATA_DIR lives. */
export const embeddedDataDir = (dataDir: string) => path.join(dataDir, 'pgdata');

function pgliteVersion(): string {
  // The package's exports hide its package.json; its entry file sits in dist/ under the package root.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Where the template for the installed PGlite version lives (a new PGlite version gets a new one). */
export function defaultTemplateDir(): string {
  return path.join(ROOT, 'node_modules', '.cache', 'frontdesk', `pglite-${pgliteVersion()}-template`);
}

export const isDataDir = (dir: string) => existsSync(path.join(dir, 'PG_VERSION'));

/** A scratch sibling of `target` for a copy that is renamed into place when complete. */
export const scratchFor = (target: string) => `${target}.${randomBytes(4).toString('hex')}.tmp`;

/** Removes scratch siblings of `target` left by a process killed mid-copy (they are never renamed into place). */
export function removeStaleScratch(target: string): void {
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}.`;
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix) && name.endsWith('.tmp'))
      rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}
export const MANIFEST = 'frontdesk-template.json';

/** A template is usable when it was migrated by exactly the migration files there are now. */
export function isCurrentTemplate(templateDir: string): boolean {
  if (!isDataDir(templateDir)) return false;
  try {
    const manifest = JSON.parse(readFileSync(path.join(templateDir, MANIFEST), 'utf8')) as { migrations?: unknown };
    return JSON.stringify(manifest.migrations) === JSON.stringify(migrationFingerprints());
  } catch {
    return false;
  }
}

/**
 * Copies a directory tree file by file on libuv's thread pool, leaving the main thread to the rest of the
 * start (fs.cp's asynchronous form is several times slower, cpSync blocks).
 */
async function copyTree(from: string, to: string, skip: (name: string) => boolean): Promise<void> {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      if (skip(entry.name)) return;
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) await copyTree(source, target, skip);
      else await copyFile(source, target);
    }),
  );
}

/**
 * Copies the template into `dir` when `dir` holds no data directory yet. Resolves with whether it did.
 * The copy goes to a sibling first and is renamed into place, so a start interrupted mid-copy never
 * leaves a half-made data directory behind. Only an empty directory is replaced (a non-recursive
 * removal): a second process that seeded the same directory first, or a symlink, is never deleted;
 * the removal then fails and the caller lets PGlite open the directory itself.
 */
export async function seedFromTemplate(dir: string, templateDir?: string): Promise<boolean> {
  if (isDataDir(dir)) return false;
  if (existsSync(dir) && readdirSync(dir).length > 0) return false; // something else lives here; leave it to PGlite
  const template = templateDir ?? defaultTemplateDir();
  if (!isCurrentTemplate(template)) return false;
  removeStaleScratch(dir);
  const scratch = scratchFor(dir);
  try {
    await copyTree(template, scratch, (name) => name === MANIFEST);
    try {
      rmdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    renameSync(scratch, dir);
    return true;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
