// One frontdesk run: the real system (compose.ts) on a database and store of its own, served over HTTP;
// owners registered, trained on a price list and connected to their bots through the API, as a user would;
// then the loads, with CPU time, event-loop delay and (--profile) the queries.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { composeSystem, type System } from '../../compose.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { trainAndWait, uploadFixture } from '../../test/support/knowledge.ts';
import { registerOwner } from '../../test/support/owners.ts';
import { createTestDatabase } from '../../test/support/test-database.ts';
import { createTestStore } from '../../test/support/test-store.ts';
import { HttpClient } from '../../test/support/test-system.ts';
import { botsPerHolder, startBotProcesses } from './bot-processes.ts';
import { cpuProfiler } from './cpu-profiler.ts';
import { cpuSince, cpuSnapshot } from './cpu-time.ts';
import { POLL_TIMEOUT_S } from './echo-baseline.ts';
import { newTokens, ratioLoad, saturatingLoad, warmUp } from './loads.ts';
import { loopMonitor } from './loop-monitor.ts';
import type { Options } from './options.ts';
import { queryProfiler } from './query-profiler.ts';
import type { Row } from './row.ts';
import type { WorldClient } from './world-client.ts';

export interface Live {
  database: string;
  store: string;
}

/** PostgreSQL (a database of its own, dropped at the end) when DATABASE_URL is set, else PGlite in DATA_DIR. */
async function scratchDatabase(cleanups: Array<() => Promise<void>>): Promise<{ url?: string; name?: string }> {
  if (!process.env.DATABASE_URL) return {};
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return { url: database.url, name: new URL(database.url!).pathname.slice(1) };
}

/** Redis under a key prefix of its own (cleared at the end) when REDIS_URL is set, else the in-process store. */
function scratchRedis(cleanups: Array<() => Promise<void>>): { url?: string; prefix?: string } {
  if (!process.env.REDIS_URL) return {};
  const store = createTestStore();
  cleanups.push(() => store.dispose());
  return { url: process.env.REDIS_URL, prefix: store.prefix };
}

export async function runProduct(
  world: WorldClient,
  o: Options,
  debounceMs: number,
  progress: (phase: string) => void,
  cleanups: Array<() => Promise<void>>,
  live: Live,
): Promise<Row> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const database = await scratchDatabase(cleanups);
  const redis = scratchRedis(cleanups);
  if (o.botProcesses > 0 && !(database.url && redis.url))
    throw new Error('--bot-processes needs DATABASE_URL and REDIS_URL: processes share PostgreSQL and Redis');

  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString('utf8');
      if (/"level":(4|5|6)0/.test(line) && warnings.length < 20) warnings.push(line.trim().slice(0, 400));
      done();
    },
  });
  const environment: Record<string, string> = {
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(redis.url && redis.prefix ? { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix } : {}),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    REPLY_DEBOUNCE_MS: String(debounceMs),
    OPENAI_API_KEY: world.openaiKey,
    OPENAI_BASE_URL: world.openaiUrl,
    TELEGRAM_API_ROOT: world.telegramUrl,
    // The bench measures the pipeline's throughput, not the per-owner model call limits (here and in the
    // bot processes, which read the same environment): the most the configuration allows.
    MODEL_CALLS_PER_MINUTE: '100000',
    MODEL_CONCURRENCY: '1000',
  };
  // With bot processes this one serves the API and runs the jobs (training) only.
  const config = loadConfig({ ...environment, ROLE: o.botProcesses > 0 ? 'worker' : 'all' });
  progress(`frontdesk debounce ${debounceMs} ms: compose`);
  const generous = { max: 100_000, windowMs: 60_000 };
  const system: System = await composeSystem(config, {
    logger: createLogger('info', sink),
    accountLimits: {
      loginPerAccountAndIp: generous,
      loginPerAccount: generous,
      loginPerIp: generous,
      changePasswordPerAccount: generous,
      registerPerIp: generous,
    },
    botPollTimeoutSeconds: POLL_TIMEOUT_S,
  });
  cleanups.push(() => system.close());
  Object.assign(live, { database: system.db.kind, store: system.store.kind });
  const server = createServer(system.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  // Started before any bot is connected: each connection's event reaches every process, and whichever
  // takes the bot's lease first runs it.
  const botProcesses = await startBotProcesses(o.botProcesses, environment, warnings, cleanups);
  const http = new HttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  progress(`frontdesk debounce ${debounceMs} ms: owners, knowledge, bots`);
  const tokens = newTokens(o.bots, 6_200_000_000 + debounceMs * 1000);
  await world.call({ method: 'addBots', tokens });
  await Promise.all(
    tokens.map(async (token, index) => {
      const owner = await registerOwner(http, { salon_name: `Bench Salon ${index}` });
      await uploadFixture(http, owner.access, 'services.csv');
      const training = await trainAndWait(http, owner.access, 60_000);
      if (training.status !== 'completed') throw new Error(`training ended ${JSON.stringify(training)}`);
      const connected = await http.post('/api/integrations/telegram/', { token: owner.access, body: { token } });
      if (connected.status !== 201) throw new Error(`connect the bot: HTTP ${connected.status} ${connected.text}`);
    }),
  );
  await world.call({ method: 'waitPolling', tokens });
  const spread = botProcesses.length > 0 ? await botsPerHolder(redis.url!, redis.prefix!) : undefined;

  progress(`frontdesk debounce ${debounceMs} ms: load`);
  const label = `frontdesk${debounceMs}`;
  await warmUp(world, label, tokens, o);
  const queries = o.profile ? queryProfiler(system.db.knex) : undefined;
  const profiler = o.cpuProfileDir ? await cpuProfiler() : undefined;
  const monitor = loopMonitor();
  const pids = botProcesses.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  const cpuAtStart = cpuSnapshot(pids, { postgres: database.name, redis: Boolean(redis.url) });
  const result = await saturatingLoad(world, label, tokens, o);
  const cpu = cpuSince(cpuAtStart);
  const loop = monitor.stop();
  if (profiler)
    console.error(`[bench:telegram] CPU profile: ${await profiler.stop(o.cpuProfileDir!, `frontdesk-${debounceMs}`)}`);
  const profile = queries?.stop(Math.max(1, result.records.length));
  const ratio = o.ratioCustomers > 0 ? await ratioLoad(world, label, tokens, o) : undefined;
  const notes = [
    ...(spread ? [`bots per process (Redis leases): ${spread.join(', ')}`] : []),
    ...(profile ?? []),
    ...warnings.map((line) => `log: ${line}`),
  ];
  return {
    scenario: botProcesses.length > 0 ? `frontdesk, ${botProcesses.length} bot processes` : 'frontdesk (RAG pipeline)',
    database: system.db.kind,
    store: system.store.kind,
    debounceMs,
    result,
    loop,
    cpu,
    ratio,
    ...(notes.length > 0 ? { profile: notes } : {}),
  };
}
