// Builds the knex instance: PostgreSQL over `pg` when DATABASE_URL is set, PGlite (Postgres in WASM,
// persisted in DATA_DIR, or in memory for tests) otherwise. Migrations are the same for both.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import { openPglite, pgliteKnex, seedFromTemplate } from './pglite.ts';

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  /** templateDir: a clean data directory to copy into an empty `dir` (default: the one `npm install` made). */
  | { kind: 'pglite'; dir: string; templateDir?: string }
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

/** The product's database: DATABASE_URL's PostgreSQL, or the embedded one in DATA_DIR. */
export function productDatabaseTarget(config: Pick<Config, 'databaseUrl' | 'dataDir'>): DatabaseTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dir: path.join(config.dataDir, 'pgdata') };
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
  let seeded: Promise<unknown> | undefined;
  if (target.kind === 'pglite') {
    const dir = target.dir;
    dataDir = dir;
    mkdirSync(path.dirname(dir), { recursive: true });
    // A first start copies the install-time template on the thread pool while the worker thread boots.
    seeded = seedFromTemplate(dir, target.templateDir)
      .then(
        (copied) =>
          copied && logger?.info({ dataDir: dir }, 'embedded database created from the install-time template'),
        (error: unknown) =>
          logger?.warn({ err: error }, 'could not copy the embedded database template; initialising from scratch'),
      )
      .finally(() => mkdirSync(dir, { recursive: true }));
  }
  const pglite = openPglite(dataDir, seeded);
  const knex = pgliteKnex(pglite, knexLog(logger));
  return {
    knex,
    kind: 'pglite',
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

export { migrateToLatest, migrationConfig } from './migrations.ts';

/** Cheap liveness check used by /health. */
export async function pingDatabase(knex: Knex): Promise<void> {
  await knex.raw('select 1');
}
