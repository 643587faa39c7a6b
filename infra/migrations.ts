// The schema's only source: the migrations in migrations/, applied the same way to PostgreSQL and PGlite.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export function migrationConfig(): Knex.MigratorConfig {
  return { directory: MIGRATIONS_DIR, loadExtensions: ['.ts'], tableName: 'knex_migrations' };
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
