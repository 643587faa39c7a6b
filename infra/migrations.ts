// The schema's only source: the migrations in migrations/, applied the same way to PostgreSQL and PGlite.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/**
 * The migrations by file name (the names knex_migrations records). A migration is TypeScript: under tsx it
 * is imported as is; the compiled product (`npm start`, no TypeScript loader) imports it through tsx's
 * loader for that one import — only when a migration is pending, so a start with nothing to apply loads none.
 */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.ts')).sort();
  },
  getMigrationName: (name) => name,
  async getMigration(name) {
    const url = pathToFileURL(path.join(MIGRATIONS_DIR, name)).href;
    try {
      return await import(url);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
      const { tsImport } = await import('tsx/esm/api');
      return tsImport(url, import.meta.url);
    }
  },
};

export function migrationConfig(): Knex.MigratorConfig {
  return { migrationSource, tableName: 'knex_migrations' };
}

/** Applies what is pending; returns the names of the migrations it applied. */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig())) as [number, string[]];
  return applied;
}

/** Each migration's file name with a hash of its content: tells whether a database was migrated by these very files. */
export function migrationFingerprints(): Record<string, string> {
  const names = readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.ts'))
    .sort();
  return Object.fromEntries(
    names.map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(path.join(MIGRATIONS_DIR, name)))
        .digest('hex'),
    ]),
  );
}
