// Entry point: `npm start [-- all|api|bots|worker]` runs it compiled (scripts/start.mjs, exec'd so that signals
// reach this process), `tsx main.ts [role]` from the sources. Reads the environment once, builds the system,
// serves, and shuts down gracefully on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { type Config, ConfigError, loadConfig } from './core/config.ts';
import { createLogger } from './infra/logger.ts';
import { embeddedDataDir, openPglite } from './infra/pglite.ts';

const SHUTDOWN_DEADLINE_MS = 8000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, process.argv[2]);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const started = performance.now();
  // The embedded database's start (Postgres in WASM, in a worker thread) is the longest part of a start:
  // it begins before the rest of the product loads, and runs beside it.
  const embedded = config.databaseUrl ? undefined : openPglite(embeddedDataDir(config.dataDir), { logger });
  const { composeSystem, APP_INFO } = await import('./compose.ts');
  // Koa checks each response body against fetch's Response class, which Node loads (its bundled undici) on
  // first use: load it now, while the database starts, rather than on the first request.
  void globalThis.Response;
  const system = await composeSystem(config, { logger, embeddedDatabase: embedded });

  const serves = config.role === 'all' || config.role === 'api';
  const server = serves ? createServer(system.app.callback()) : undefined;
  if (server) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
    const address = server.address();
    logger.info(
      {
        role: config.role,
        port: typeof address === 'object' && address ? address.port : config.port,
        database: system.db.kind,
        store: system.store.kind,
        startupMs: Math.round(performance.now() - started),
      },
      `${APP_INFO.name} ${APP_INFO.version} listening`,
    );
  } else {
    logger.info({ role: config.role }, `${APP_INFO.name} ${APP_INFO.version} started (no HTTP in this role)`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    if (server) {
      // close() stops accepting and waits for in-flight requests; idle keep-alive sockets are closed now.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    }
    await system.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM').catch((error: unknown) => fail(error)));
  process.on('SIGINT', () => void shutdown('SIGINT').catch((error: unknown) => fail(error)));
  // A background task that fails must be logged, not take every owner's bots and the API down.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  const fail = (error: unknown) => {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`Frontdesk failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
