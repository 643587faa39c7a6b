// The composition root: builds database, store, services and the Koa app from one validated config.
// main.ts runs it; tests build the same graph with their own database and store.
import type { Logger } from 'pino';
import type Koa from 'koa';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from './api/app.ts';
import type { AppState } from './api/state.ts';
import type { HealthReport } from './api/routes/system.ts';
import type { Config } from './core/config.ts';
import type { KeyValueStore } from './core/ports/key-value-store.ts';
import { createAccountService, type AccountLimits, type AccountService } from './core/accounts/account-service.ts';
import { createAdminService } from './core/accounts/admin-service.ts';
import { createSecretBox, type SecretBox } from './core/crypto/secret-box.ts';
import { createDatabase, migrateToLatest, pingDatabase, type Database } from './infra/database.ts';
import { loadOrCreateLocalSecrets } from './infra/local-secrets.ts';
import { MemoryKeyValueStore } from './infra/memory-key-value-store.ts';
import { RedisKeyValueStore } from './infra/redis-key-value-store.ts';

const packageJson = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { name: string; version: string };
export const APP_INFO = { name: 'Frontdesk', version: packageJson.version };

export interface System {
  config: Config;
  db: Database;
  store: KeyValueStore;
  secretBox: SecretBox;
  accounts: AccountService;
  app: Koa<AppState>;
  health(): Promise<HealthReport>;
  /** Closes what this system opened (an injected database or store is left to its owner). */
  close(): Promise<void>;
}

export interface ComposeOptions {
  logger: Logger;
  /** Injected by tests that share one database or store between several systems. */
  db?: Database;
  store?: KeyValueStore;
  accountLimits?: AccountLimits;
}

export async function composeSystem(config: Config, options: ComposeOptions): Promise<System> {
  const { logger } = options;
  const secrets =
    config.jwtSecret && config.encryptionKey
      ? { jwtSecret: config.jwtSecret, encryptionKey: config.encryptionKey }
      : { ...loadOrCreateLocalSecrets(config.dataDir), ...pick(config) };

  const db =
    options.db ??
    createDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dir: path.join(config.dataDir, 'pgdata') }, logger);
  const store = options.store ?? (config.redisUrl ? new RedisKeyValueStore({ url: config.redisUrl }) : new MemoryKeyValueStore());

  try {
    if (!options.db) {
      const applied = await migrateToLatest(db.knex);
      if (applied.length > 0) logger.info({ migrations: applied.length }, 'database migrated');
    }
    const secretBox = createSecretBox(secrets.encryptionKey);
    const accounts = createAccountService({
      db: db.knex,
      store,
      jwtSecret: secrets.jwtSecret,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlDays: config.refreshTokenTtlDays,
      limits: options.accountLimits,
    });
    if (config.admin) await accounts.ensureAdmin(config.admin.email, config.admin.password);

    const health = async (): Promise<HealthReport> => {
      const [database, redis] = await Promise.all([
        settle(pingDatabase(db.knex)).then((ok) => ({ status: ok ? ('ok' as const) : ('error' as const), kind: db.kind })),
        settle(store.ping()).then((ok) => ({ status: ok ? ('ok' as const) : ('error' as const), kind: store.kind })),
      ]);
      const status = database.status !== 'ok' ? 'unavailable' : redis.status !== 'ok' ? 'degraded' : 'ok';
      return { status, database, redis };
    };

    const app = createApp({
      info: APP_INFO,
      logger,
      jwtSecret: secrets.jwtSecret,
      corsOrigins: config.corsOrigins,
      trustProxy: config.trustProxy,
      accounts,
      admin: createAdminService({ db: db.knex }),
      health,
    });

    return {
      config, db, store, secretBox, accounts, app, health,
      async close() {
        if (!options.store) await store.close();
        if (!options.db) await db.close();
      },
    };
  } catch (error) {
    if (!options.store) await store.close().catch(() => {});
    if (!options.db) await db.close().catch(() => {});
    throw error;
  }
}

function pick(config: Config): Partial<{ jwtSecret: string; encryptionKey: string }> {
  return {
    ...(config.jwtSecret ? { jwtSecret: config.jwtSecret } : {}),
    ...(config.encryptionKey ? { encryptionKey: config.encryptionKey } : {}),
  };
}

/** Resolves true when the promise fulfils within 2 s, false when it rejects or hangs. */
async function settle(promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 2000);
  });
  try {
    return await Promise.race([promise.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
