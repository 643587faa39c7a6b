// Builds the knex instance: PostgreSQL over `pg` when DATABASE_URL is set, PGlite (Postgres in WASM,
// persisted in DATA_DIR, or in memory for tests) otherwise. Migrations are the same for both.
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import { embeddedDataDir, openPglite } from './pglite.ts';
import { asPGlite, type PGliteThread } from './pglite-thread.ts';

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  /**
   * templateDir: a clean data directory to copy into an empty `dir` (default: the one `npm install` made);
   * opened: the database's thread when already started (main.ts starts it before the rest loads).
   */
  | { kind: 'pglite'; dir: string; templateDir?: string; opened?: PGliteThread }
  | { kind: 'pglite-memory' };

export interface Database {
  knex: Knex;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

// knex writes a failed statement into its error's message with every value inlined (a password hash,
// a token's hash) unless compileSqlOnError is false: then the message has the placeholders only.

/** knex logs to the console unless told otherwise; route its warnings into our structured log. */
function knexLog(logger?: Logger): Knex.Config['log'] {
  const warn = (message: unknown) => logger?.warn({ knex: String(message) }, 'database warning');
  return { warn, error: warn, deprecate: warn, debug: () => {} };
}

/**
 * The product's database: DATABASE_URL's PostgreSQL, or the embedded one in DATA_DIR (`opened` when
 * main.ts already started it).
 */
export function productDatabaseTarget(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  opened?: PGliteThread,
): DatabaseTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dir: embeddedDataDir(config.dataDir), opened };
}

/** knex over one PGlite (PGlite is single-connection; knex-pglite enforces a pool of one). */
export function pgliteKnex(pglite: PGliteThread, log?: Knex.Config['log']): Knex {
  return knexFactory({
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    // Error messages show the statement with placeholders, never its values (see above).
    compileSqlOnError: false,
    log,
    // knex-pglite accepts a ready PGlite instance this way (ours answers from the worker).
    connection: (() => ({ pglite: asPGlite(pglite) })) as unknown as Knex.StaticConnectionConfig,
  });
}

export function createDatabase(target: DatabaseTarget, logger?: Logger): Database {
  if (target.kind === 'postgres') {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: target.url },
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: 10_000,
      compileSqlOnError: false,
      log: knexLog(logger),
    });
    return { knex, kind: 'postgres', close: () => knex.destroy() };
  }
  const pglite =
    target.kind === 'pglite'
      ? (target.opened ?? openPglite(target.dir, { templateDir: target.templateDir, logger }))
      : openPglite(undefined);
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
