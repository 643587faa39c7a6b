// Opens the embedded PGlite database, and keeps a freshly initialised and migrated data directory as a
// template. On a cold process, initdb in WASM plus the first migrations take about two seconds; copying
// a clean directory takes milliseconds. `npm install` makes the template (scripts/prepare-pglite-template.ts)
// and the first start on an empty DATA_DIR copies it. The template records which migration files made
// it; once those change it is not used (and the next `npm install` remakes it). Without a usable
// template PGlite initialises the directory itself, only slower.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrateToLatest, migrationFingerprints } from './migrations.ts';
import { asPGlite, PGliteThread } from './pglite-thread.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A PGlite over `dataDir` (in memory when undefined) with the extensions the migrations create, in a
 * worker thread of its own (infra/pglite-worker.mjs); it opens the directory once `after` settles.
 */
export function openPglite(dataDir: string | undefined, after?: Promise<unknown>): PGliteThread {
  return new PGliteThread(dataDir, { after });
}

/** knex over one PGlite (PGlite is single-connection; knex-pglite enforces a pool of one). */
export function pgliteKnex(pglite: PGliteThread, log?: Knex.Config['log']): Knex {
  return knexFactory({
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    log,
    // knex-pglite accepts a ready PGlite instance this way (ours answers from the worker).
    connection: (() => ({ pglite: asPGlite(pglite) })) as unknown as Knex.StaticConnectionConfig,
  });
}

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

const isDataDir = (dir: string) => existsSync(path.join(dir, 'PG_VERSION'));

/** A scratch sibling of `target` for a copy that is renamed into place when complete. */
const scratchFor = (target: string) => `${target}.${randomBytes(4).toString('hex')}.tmp`;

/** Removes scratch siblings of `target` left by a process killed mid-copy (they are never renamed into place). */
function removeStaleScratch(target: string): void {
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}.`;
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix) && name.endsWith('.tmp'))
      rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}
const MANIFEST = 'frontdesk-template.json';

/** A template is usable when it was migrated by exactly the migration files there are now. */
function isCurrentTemplate(templateDir: string): boolean {
  if (!isDataDir(templateDir)) return false;
  try {
    const manifest = JSON.parse(readFileSync(path.join(templateDir, MANIFEST), 'utf8')) as { migrations?: unknown };
    return JSON.stringify(manifest.migrations) === JSON.stringify(migrationFingerprints());
  } catch {
    return false;
  }
}

/**
 * Makes the template unless a current one exists: initdb and every migration into a scratch directory,
 * closed cleanly, then renamed into place (replacing a template made by other migrations).
 */
export async function createPgliteTemplate(templateDir: string = defaultTemplateDir()): Promise<'created' | 'exists'> {
  if (isCurrentTemplate(templateDir)) return 'exists';
  mkdirSync(path.dirname(templateDir), { recursive: true });
  removeStaleScratch(templateDir);
  const scratch = scratchFor(templateDir);
  try {
    const fingerprints = migrationFingerprints();
    const pglite = openPglite(scratch);
    const knex = pgliteKnex(pglite);
    try {
      await migrateToLatest(knex);
    } finally {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    }
    writeFileSync(path.join(scratch, MANIFEST), JSON.stringify({ migrations: fingerprints }, null, 2));
    rmSync(templateDir, { recursive: true, force: true });
    renameSync(scratch, templateDir);
    return 'created';
  } finally {
    rmSync(scratch, { recursive: true, force: true });
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
