// Builds the knex instance: PostgreSQL over `pg` when DATABASE_URL is set, PGlite (Postgres in WASM,
// persisted in DATA_DIR, or in memory for tests) otherwise. Migrations are the same for both.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { Logger } from 'pino';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dir: string }
  | { kind: 'pglite-memory' };

export interface Database {
  knex: Knex;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** knex logs to the console unless told otherwise; route its warnings into our structured log. */
function knexLog(logger?: Logger): Knex.Config['log'] {
  const warn = (message: unknown) => logger?.warn({ knex: String(message) }, 'database warning');
  return { warn, error: warn, deprecate: warn, debug: () => {} };
}

export function createDatabase(target: DatabaseTarget, logger?: Logger): Database {
  if (target.kind === 'postgres') {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: target.url },
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: 10_000,
      log: knexLog(logger),
    });
    return { knex, kind: 'postgres', close: () => knex.destroy() };
  }
  let dataDir: string | undefined;
  if (target.kind === 'pglite') {
    mkdirSync(target.dir, { recursive: true });
    dataDir = target.dir;
  }
  const pglite = new PGlite({ dataDir, extensions: { vector, pg_trgm, btree_gin } });
  const knex = knexFactory({
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    log: knexLog(logger),
    // knex-pglite accepts a ready PGlite instance this way, which is how extensions get loaded.
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
  });
  return {
    knex,
    kind: 'pglite',
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig())) as [number, string[]];
  return applied;
}

export function migrationConfig(): Knex.MigratorConfig {
  return { directory: MIGRATIONS_DIR, loadExtensions: ['.ts'], tableName: 'knex_migrations' };
}

/** Cheap liveness check used by /health. */
export async function pingDatabase(knex: Knex): Promise<void> {
  await knex.raw('select 1');
}
