// Telegram load benchmark: many bots and customers through the fake Telegram Bot API, answers from the
// real product (compose.ts, polling bots, RAG pipeline) with a fake model of fixed latency; and, in the
// same run, a bare grammY echo bot that waits the same model latency, as the baseline.
// Reports messages per second and the pipeline's own time per message (end to end minus the model).
//
// Run: npm run bench:telegram [-- --bots 10 --customers 20 --messages 5 --model-ms 200 --debounce-ms 0,1000 --timeout-s 300 --profile --cpu-profile DIR --bot-processes N]
// The product runs once per REPLY_DEBOUNCE_MS given (default: 0 and the product's default): the quiet period
// is a deliberate wait, taken off the own time like the model's; --profile adds per-query database timings;
// --cpu-profile DIR writes a V8 CPU profile of the main thread during each measured load (open it in Chrome DevTools);
// --bot-processes N runs the bots in N processes of `main.ts bots` instead of this one (PostgreSQL and Redis only:
// the processes share the bots through Redis leases; they long-poll with the product's default timeout, and
// --profile / --cpu-profile see only this process). On Linux the CPU time of every part (this process's main
// thread and the rest, the fakes' worker, bot processes, and every PostgreSQL and Redis process of the machine,
// whoever they serve) is reported per message.
// PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set (a temporary database and key prefix, removed
// at the end), embedded PGlite (in a temporary DATA_DIR) and the in-process store otherwise.
//
// The fake Telegram and the fake OpenAI server run, with the customers, in a worker thread ("the
// outside world"); the main thread holds only the system under test (the product or the echo bots), so
// the harness does not eat the product's event loop.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import type { Knex } from 'knex';
import type { System } from '../compose.ts';
import type { RecordedCall } from '../test/fakes/telegram-server.ts';

// ---------------------------------------------------------------- shared between main thread and worker

interface WorldData {
  role: 'bench-telegram-world';
  modelMs: number;
}

interface LoadRequest {
  label: string;
  tokens: string[];
  customers: number;
  messages: number;
  /** Chat ids are chatBase + customer index (per bot). */
  chatBase: number;
  replyTimeoutMs: number;
}

interface MessageRecord {
  marker: string;
  /** Customer update pushed to the fake → the bot's sendMessage for it received by the fake. */
  e2eMs: number;
  /** The model's time for this message: measured in the fake OpenAI server, or in the echo handler. */
  modelMs?: number;
  modelCalls: number;
  /** Whether the model's last request for this message carried passages from the knowledge base. */
  grounded?: boolean;
  ok: boolean;
  problem?: string;
}

interface LoadResult {
  records: MessageRecord[];
  wallMs: number;
  /** sendMessage calls that answered no waiting customer message. */
  unexpectedReplies: number;
  /** Bot API calls per method during the load. */
  calls: Record<string, number>;
  /** The worker's own event-loop delay during the load: a busy harness would show here. */
  worldLoop?: { p50: number; p99: number; max: number };
  /** CPU time of the fakes' worker thread during the load (Linux), ms. */
  worldCpuMs?: number;
}

type Rpc =
  | { method: 'info' }
  | { method: 'addBots'; tokens: string[] }
  | { method: 'waitPolling'; tokens: string[] }
  | { method: 'load'; request: LoadRequest }
  | { method: 'partial' }
  | { method: 'close' };

const QUESTIONS = [
  "How much is a men's haircut?",
  'What does a gel manicure cost?',
  'How long does a hot stone massage take and what is the price?',
  'Do you do eyebrow shaping? How much?',
  'Сколько стоит маникюр с покрытием?',
  'Hello! Can I book a massage for tomorrow?',
];

const markerOf = (text: string): string | undefined => /\[(m:[^\]\s]+)\]/.exec(text)?.[1];

// ---------------------------------------------------------------- CPU time from /proc (Linux; undefined elsewhere)

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a /proc stat line, ms (the command name in parentheses may hold spaces). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU time of the calling thread. */
function threadCpuMs(): number | undefined {
  try {
    return statCpuMs(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** CPU time of every process of this machine with one of these command names, by name. */
function processesCpuMs(names: readonly string[]): Record<string, number> | undefined {
  const totals: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm in totals) totals[comm]! += statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      // the process ended meanwhile
    }
  }
  return totals;
}

interface CpuSnapshot {
  process: NodeJS.CpuUsage;
  mainThread?: number;
  others?: Record<string, number>;
  /** Child processes (all their threads) by pid. */
  children: Map<number, number | undefined>;
}

const OTHER_PROCESSES = ['postgres', 'redis-server'] as const;

function processCpuMs(pid: number): number | undefined {
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function cpuSnapshot(childPids: readonly number[] = []): CpuSnapshot {
  return {
    process: process.cpuUsage(),
    mainThread: threadCpuMs(),
    others: processesCpuMs(OTHER_PROCESSES),
    children: new Map(childPids.map((pid) => [pid, processCpuMs(pid)])),
  };
}

/** CPU time spent between a snapshot and now, per part, ms. */
interface CpuSpent {
  process: number;
  mainThread?: number;
  others?: Record<string, number>;
  /** The bot processes together, when there are any (and /proc is there). */
  children?: number;
}

function cpuSince(start: CpuSnapshot): CpuSpent {
  const end = cpuSnapshot([...start.children.keys()]);
  const childMs = [...start.children].map(([pid, before]) => {
    const after = end.children.get(pid);
    return before === undefined || after === undefined ? undefined : after - before;
  });
  const used = process.cpuUsage(start.process);
  return {
    process: (used.user + used.system) / 1000,
    ...(start.mainThread !== undefined && end.mainThread !== undefined
      ? { mainThread: end.mainThread - start.mainThread }
      : {}),
    ...(start.others && end.others
      ? { others: Object.fromEntries(OTHER_PROCESSES.map((name) => [name, end.others![name]! - start.others![name]!])) }
      : {}),
    ...(childMs.length > 0 && childMs.every((ms) => ms !== undefined)
      ? { children: childMs.reduce<number>((sum, ms) => sum + ms!, 0) }
      : {}),
  };
}

// ---------------------------------------------------------------- the outside world (worker thread)

async function world(data: WorldData): Promise<void> {
  const port = parentPort!;
  const { startFakeTelegram } = await import('../test/fakes/telegram-server.ts');
  const { startFakeOpenAI, lastUserText } = await import('../test/fakes/openai-server.ts');
  const { NO_PASSAGES } = await import('../core/assistant/prompt.ts');
  const telegram = await startFakeTelegram();
  const openai = await startFakeOpenAI();

  // The model: waits modelMs and echoes. Its time is measured here, per message (by the marker in the text).
  const modelSpans = new Map<string, { ms: number; calls: number; grounded: boolean }>();
  openai.reply(async (body) => {
    const text = lastUserText(body);
    const started = performance.now();
    await sleep(data.modelMs);
    const marker = markerOf(text);
    if (marker) {
      const span = modelSpans.get(marker) ?? { ms: 0, calls: 0 };
      // The system prompt says so when retrieval found nothing for the question.
      const grounded = !JSON.stringify(body['messages'] ?? []).includes(NO_PASSAGES);
      modelSpans.set(marker, { ms: span.ms + performance.now() - started, calls: span.calls + 1, grounded });
    }
    return { text: `Echo: ${text}` };
  });

  // Replies are caught as the fake records each call. fake.waitForMessage re-scans every message sent so far
  // for every waiter on every call (O(waiters × sent) per call): with 200 customers waiting that scan
  // costs more than the bots under test, so the bench hooks the fake's call log instead, O(1) per call.
  const waiting = new Map<string, (reply: { at: number; text: string }) => void>();
  let unexpectedReplies = 0;
  let callCounts = new Map<string, number>();
  const calls = telegram.calls;
  calls.push = (...items: RecordedCall[]): number => {
    const at = performance.now();
    for (const call of items) {
      callCounts.set(call.method, (callCounts.get(call.method) ?? 0) + 1);
      if (call.method.toLowerCase() !== 'sendmessage') continue;
      const key = `${call.token}|${Number(call.body['chat_id'])}`;
      const resolve = waiting.get(key);
      if (!resolve) {
        unexpectedReplies += 1;
        continue;
      }
      waiting.delete(key);
      resolve({ at, text: String(call.body['text'] ?? '') });
    }
    return Array.prototype.push.apply(calls, items);
  };

  let current: { records: MessageRecord[]; started: number } | undefined;

  async function load(request: LoadRequest): Promise<LoadResult> {
    const records: MessageRecord[] = [];
    unexpectedReplies = 0;
    callCounts = new Map();
    const monitor = loopMonitor();
    const cpuAtStart = threadCpuMs();
    const started = performance.now();
    current = { records, started };
    let lastReply = started;

    const customer = async (token: string, botIndex: number, chatId: number): Promise<void> => {
      const key = `${token}|${chatId}`;
      for (let seq = 0; seq < request.messages; seq += 1) {
        const marker = `m:${request.label}.${botIndex}.${chatId}.${seq}`;
        const text = `${QUESTIONS[(chatId + seq) % QUESTIONS.length]} [${marker}]`;
        let timer: NodeJS.Timeout | undefined;
        const reply = new Promise<{ at: number; text: string } | undefined>((resolve) => {
          waiting.set(key, resolve);
          timer = setTimeout(() => {
            waiting.delete(key);
            resolve(undefined);
          }, request.replyTimeoutMs);
        });
        const sentAt = performance.now();
        telegram.customerSays(token, {
          chatId,
          firstName: 'Guest',
          lastName: String(chatId),
          languageCode: 'en',
          text,
        });
        const answer = await reply;
        clearTimeout(timer);
        const model = modelSpans.get(marker);
        if (!answer) {
          records.push({
            marker,
            e2eMs: performance.now() - sentAt,
            modelCalls: model?.calls ?? 0,
            ok: false,
            problem: `no reply within ${request.replyTimeoutMs} ms`,
          });
          continue;
        }
        lastReply = Math.max(lastReply, answer.at);
        const ok = answer.text.includes(marker);
        records.push({
          marker,
          e2eMs: answer.at - sentAt,
          modelMs: model?.ms,
          modelCalls: model?.calls ?? 0,
          ok,
          ...(model ? { grounded: model.grounded } : {}),
          ...(ok ? {} : { problem: `reply without the question's marker: ${answer.text.slice(0, 120)}` }),
        });
      }
    };

    await Promise.all(
      request.tokens.flatMap((token, botIndex) =>
        Array.from({ length: request.customers }, (_, c) => customer(token, botIndex, request.chatBase + c)),
      ),
    );
    current = undefined;
    const cpuAtEnd = threadCpuMs();
    return {
      records,
      wallMs: lastReply - started,
      unexpectedReplies,
      calls: Object.fromEntries(callCounts),
      worldLoop: monitor.stop(),
      ...(cpuAtStart !== undefined && cpuAtEnd !== undefined ? { worldCpuMs: cpuAtEnd - cpuAtStart } : {}),
    };
  }

  const handle = async (rpc: Rpc): Promise<unknown> => {
    switch (rpc.method) {
      case 'info':
        return { telegramUrl: telegram.url, openaiUrl: openai.url, openaiKey: openai.apiKey };
      case 'addBots':
        for (const [index, token] of rpc.tokens.entries()) {
          telegram.addBot({ token, username: `bench_${index}_${token.split(':')[0]}_bot`, firstName: 'Bench' });
        }
        return true;
      case 'waitPolling':
        await Promise.all(rpc.tokens.map((token) => telegram.waitForPolling(token, 30_000)));
        return true;
      case 'load':
        return load(rpc.request);
      case 'partial':
        return current
          ? {
              records: current.records,
              wallMs: performance.now() - current.started,
              unexpectedReplies,
              calls: Object.fromEntries(callCounts),
            }
          : undefined;
      case 'close':
        await telegram.close();
        await openai.close();
        return true;
    }
  };

  port.on('message', (message: { id: number; rpc: Rpc }) => {
    handle(message.rpc).then(
      (result) => port.postMessage({ id: message.id, ok: true, result }),
      (error: unknown) =>
        port.postMessage({
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
  });
  port.postMessage({ id: 0, ok: true, result: 'ready' });
}

// ---------------------------------------------------------------- the bench (main thread)

interface Options {
  /** REPLY_DEBOUNCE_MS of each frontdesk run. */
  debounces: number[];
  bots: number;
  customers: number;
  messages: number;
  modelMs: number;
  timeoutS: number;
  profile: boolean;
  cpuProfileDir?: string;
  /** 0: the bots run in this process; N: in N processes of `main.ts bots` (PostgreSQL and Redis only). */
  botProcesses: number;
}

interface Row {
  scenario: string;
  database: string;
  store: string;
  /** The product's deliberate quiet period before answering (REPLY_DEBOUNCE_MS), taken off like the model's time. */
  debounceMs: number;
  result: LoadResult;
  loop: { p50: number; p99: number; max: number };
  /** CPU time during the measured load. */
  cpu?: CpuSpent;
  profile?: string[];
}

class WorldClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  telegramUrl = '';
  openaiUrl = '';
  openaiKey = '';

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`world: ${message.error}`));
    });
    worker.on('error', (error) => {
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    });
  }

  static async start(modelMs: number): Promise<WorldClient> {
    // tsx's loader is not inherited by worker threads on Node 20: register it first, then load this file.
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const data: WorldData = { role: 'bench-telegram-world', modelMs };
    const worker = new Worker(boot, { eval: true, workerData: data });
    const client = new WorldClient(worker);
    await new Promise<void>((resolve, reject) => {
      client.waiting.set(0, { resolve: () => resolve(), reject });
    });
    const info = await client.call<{ telegramUrl: string; openaiUrl: string; openaiKey: string }>({ method: 'info' });
    Object.assign(client, info);
    return client;
  }

  call<T>(rpc: Rpc, timeoutMs?: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = timeoutMs
        ? setTimeout(() => {
            this.waiting.delete(id);
            reject(new Error(`world: no answer to ${rpc.method} within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.worker.postMessage({ id, rpc });
    });
  }

  async close(): Promise<void> {
    await this.call({ method: 'close' }, 10_000).catch(() => undefined);
    await this.worker.terminate();
  }
}

function parseOptions(defaultDebounceMs: number): Options {
  const { values } = parseArgs({
    options: {
      bots: { type: 'string', default: '10' },
      customers: { type: 'string', default: '20' },
      messages: { type: 'string', default: '5' },
      'model-ms': { type: 'string', default: '200' },
      'timeout-s': { type: 'string', default: '300' },
      'debounce-ms': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'cpu-profile': { type: 'string' },
      'bot-processes': { type: 'string', default: '0' },
    },
    strict: true,
  });
  const positive = (name: string, raw: string, min = 1): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
    return value;
  };
  const debounces =
    values['debounce-ms'] === undefined
      ? [...new Set([0, defaultDebounceMs])]
      : values['debounce-ms'].split(',').map((raw) => positive('debounce-ms', raw.trim(), 0));
  return {
    debounces,
    bots: positive('bots', values.bots),
    customers: positive('customers', values.customers),
    messages: positive('messages', values.messages),
    modelMs: positive('model-ms', values['model-ms'], 0),
    timeoutS: positive('timeout-s', values['timeout-s']),
    profile: values.profile,
    cpuProfileDir: values['cpu-profile'],
    botProcesses: positive('bot-processes', values['bot-processes'], 0),
  };
}

/** Tokens as BotFather issues them: `<bot id>:` + 35 characters of [A-Za-z0-9_-]. */
function newTokens(count: number, firstId: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `${firstId + index}:${randomBytes(27).toString('base64url').slice(0, 35)}`,
  );
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Event-loop delay (the histogram counts the sampling interval too; it is taken off). */
function loopMonitor(): { stop(): { p50: number; p99: number; max: number } } {
  const resolutionMs = 2;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
  return {
    stop() {
      histogram.disable();
      return { p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max) };
    },
  };
}

/** A V8 CPU profile of this thread, from now until stop (written as DIR/bench-telegram-NAME.cpuprofile). */
async function cpuProfiler(): Promise<{ stop(dir: string, name: string): Promise<string> }> {
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(dir, name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `bench-telegram-${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

const POLL_TIMEOUT_S = 1;
const REPLY_TIMEOUT_MS = 60_000;

/** A short unmeasured round on other chats (JIT, connection pools, first queries). */
async function warmUp(world: WorldClient, label: string, tokens: string[], o: Options): Promise<void> {
  const warm = await world.call<LoadResult>({
    method: 'load',
    request: {
      label: `${label}-warm`,
      tokens,
      customers: Math.min(2, o.customers),
      messages: 2,
      chatBase: 900_000,
      replyTimeoutMs: REPLY_TIMEOUT_MS,
    },
  });
  const failed = warm.records.filter((record) => !record.ok);
  if (failed.length > 0)
    throw new Error(
      `${label}: warm-up failed for ${failed.length} of ${warm.records.length} messages, e.g. ${failed[0]!.problem}`,
    );
}

/** The measured load: every customer of every bot, concurrently, each message after the previous reply. */
function measuredLoad(world: WorldClient, label: string, tokens: string[], o: Options): Promise<LoadResult> {
  return world.call<LoadResult>({
    method: 'load',
    request: {
      label,
      tokens,
      customers: o.customers,
      messages: o.messages,
      chatBase: 1_000,
      replyTimeoutMs: REPLY_TIMEOUT_MS,
    },
  });
}

// ---- baseline: bare grammY echo bots with the same simulated model latency

async function runEcho(world: WorldClient, o: Options, progress: (phase: string) => void): Promise<Row> {
  const { Bot } = await import('grammy');
  const { run, sequentialize } = await import('@grammyjs/runner');
  const tokens = newTokens(o.bots, 6_100_000_000);
  await world.call({ method: 'addBots', tokens });
  const spans = new Map<string, number>();
  const bots = tokens.map((token) => {
    const bot = new Bot(token, { client: { apiRoot: world.telegramUrl } });
    bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
    bot.on('message:text', async (ctx) => {
      const started = performance.now();
      await sleep(o.modelMs); // the simulated model
      const marker = markerOf(ctx.message.text);
      if (marker) spans.set(marker, performance.now() - started);
      await ctx.reply(`Echo: ${ctx.message.text}`);
    });
    return bot;
  });
  await Promise.all(bots.map((bot) => bot.init()));
  const handles = bots.map((bot) =>
    run(bot, { runner: { fetch: { timeout: POLL_TIMEOUT_S, allowed_updates: ['message'] }, silent: true } }),
  );
  try {
    await world.call({ method: 'waitPolling', tokens });
    progress('echo: load');
    await warmUp(world, 'echo', tokens, o);
    const cpu = o.cpuProfileDir ? await cpuProfiler() : undefined;
    const monitor = loopMonitor();
    const cpuAtStart = cpuSnapshot();
    const result = await measuredLoad(world, 'echo', tokens, o);
    const cpuSpent = cpuSince(cpuAtStart);
    const loop = monitor.stop();
    if (cpu) console.error(`[bench:telegram] CPU profile: ${await cpu.stop(o.cpuProfileDir!, 'echo')}`);
    for (const record of result.records) {
      record.modelMs = spans.get(record.marker);
      record.modelCalls = record.modelMs === undefined ? 0 : 1;
    }
    return {
      scenario: 'grammY echo (baseline)',
      database: '-',
      store: '-',
      debounceMs: 0,
      result,
      loop,
      cpu: cpuSpent,
    };
  } finally {
    await Promise.all(handles.map(async (handle) => (handle.isRunning() ? handle.stop() : undefined)));
  }
}

// ---- the product

interface Http {
  json<T = any>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T; text: string }>;
  upload(path: string, token: string, name: string, bytes: Uint8Array): Promise<{ status: number; text: string }>;
}

function http(baseUrl: string): Http {
  const parse = (text: string): any => {
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async json(method, path, body, token) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      return { status: response.status, body: parse(text), text };
    },
    async upload(path, token, name, bytes) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type: 'text/csv' }), name);
      const response = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
      return { status: response.status, text: await response.text() };
    },
  };
}

function expectStatus(what: string, response: { status: number; text: string }, ...wanted: number[]): void {
  if (!wanted.includes(response.status))
    throw new Error(`${what}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
}

/** Time spent in each query shape (knex query → query-response), and waits for a pool connection. */
function queryProfiler(knex: Knex): { stop(messages: number): string[] } {
  const started = new Map<string, { sql: string; at: number }>();
  const bySql = new Map<string, { count: number; ms: number }>();
  const onQuery = (query: { __knexQueryUid?: string; sql?: string }) => {
    if (query.__knexQueryUid) started.set(query.__knexQueryUid, { sql: query.sql ?? '?', at: performance.now() });
  };
  const onDone = (_response: unknown, query: { __knexQueryUid?: string }) => {
    const begun = query.__knexQueryUid ? started.get(query.__knexQueryUid) : undefined;
    if (!begun) return;
    started.delete(query.__knexQueryUid!);
    const sql = begun.sql.replace(/\s+/g, ' ').slice(0, 110);
    const entry = bySql.get(sql) ?? { count: 0, ms: 0 };
    bySql.set(sql, { count: entry.count + 1, ms: entry.ms + performance.now() - begun.at });
  };
  const onError = (_error: unknown, query: { __knexQueryUid?: string }) => onDone(undefined, query);
  knex.on('query', onQuery).on('query-response', onDone).on('query-error', onError);
  const pool = (knex.client as { pool?: { numPendingAcquires(): number; numUsed(): number } }).pool;
  const pending: number[] = [];
  const used: number[] = [];
  const sampler = setInterval(() => {
    if (!pool) return;
    pending.push(pool.numPendingAcquires());
    used.push(pool.numUsed());
  }, 5);
  return {
    stop(messages) {
      clearInterval(sampler);
      knex
        .removeListener('query', onQuery)
        .removeListener('query-response', onDone)
        .removeListener('query-error', onError);
      const rows = [...bySql.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const total = rows.reduce((sum, [, entry]) => sum + entry.ms, 0);
      const count = rows.reduce((sum, [, entry]) => sum + entry.count, 0);
      const avg = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
      const lines = [
        `queries: ${count} (${(count / messages).toFixed(1)} per message), ${total.toFixed(0)} ms in total (${(total / messages).toFixed(1)} ms per message, summed over concurrent queries)`,
        pool
          ? `pool: connections in use avg ${avg(used).toFixed(1)} max ${Math.max(0, ...used)}; callers waiting for a connection avg ${avg(pending).toFixed(1)} max ${Math.max(0, ...pending)}`
          : 'pool: none',
        ...rows
          .slice(0, 12)
          .map(
            ([sql, entry]) =>
              `${(entry.ms / entry.count).toFixed(2).padStart(7)} ms avg  ${String(entry.count).padStart(5)}×  ${sql}`,
          ),
      ];
      return lines;
    },
  };
}

/** N processes of `main.ts bots` on the same PostgreSQL and Redis, each ready (bot manager started) when returned. */
async function startBotProcesses(
  count: number,
  environment: Record<string, string>,
  warnings: string[],
  cleanups: Array<() => Promise<void>>,
): Promise<ChildProcess[]> {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const mainScript = new URL('../main.ts', import.meta.url).pathname;
  const children: ChildProcess[] = [];
  for (let index = 0; index < count; index += 1) {
    const child = spawn(process.execPath, ['--import', 'tsx', mainScript, 'bots'], {
      env: { ...process.env, ...environment, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    cleanups.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`bot process ${index + 1} exited (${code}) before it started: ${stderr}`));
      child.once('exit', onExit);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (/"level":(4|5|6)0/.test(line) && warnings.length < 20)
          warnings.push(`bot process ${index + 1}: ${line.trim().slice(0, 400)}`);
        if (line.includes('started (no HTTP in this role)')) {
          child.off('exit', onExit);
          resolve();
        }
      });
    });
  }
  return children;
}

/** How many bots each lease holder runs, most first. */
async function botsPerHolder(redisUrl: string, prefix: string): Promise<number[]> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}lease:telegram:*`);
    const holders = keys.length > 0 ? await redis.mget(...keys) : [];
    const counts = new Map<string, number>();
    for (const holder of holders) if (holder) counts.set(holder, (counts.get(holder) ?? 0) + 1);
    return [...counts.values()].sort((a, b) => b - a);
  } finally {
    redis.disconnect();
  }
}

async function runProduct(
  world: WorldClient,
  o: Options,
  debounceMs: number,
  progress: (phase: string) => void,
  cleanups: Array<() => Promise<void>>,
  live: { database: string; store: string },
): Promise<Row> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { createServer } = await import('node:http');
  const { Writable } = await import('node:stream');
  const { default: knexFactory } = await import('knex');
  const { composeSystem } = await import('../compose.ts');
  const { loadConfig } = await import('../core/config.ts');
  const { createLogger } = await import('../infra/logger.ts');
  const { RedisKeyValueStore } = await import('../infra/redis-key-value-store.ts');

  const serverUrl = process.env.DATABASE_URL?.trim() || undefined;
  const redisUrl = process.env.REDIS_URL?.trim() || undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));

  let databaseUrl: string | undefined;
  if (serverUrl) {
    const name = `frontdesk_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${name}`);
    cleanups.push(async () => {
      await admin.raw(`drop database if exists ${name} with (force)`);
      await admin.destroy();
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const redisPrefix = `frontdesk-bench-${randomBytes(6).toString('hex')}:`;
  if (redisUrl) {
    cleanups.push(async () => {
      const keys = new RedisKeyValueStore({ url: redisUrl, keyPrefix: redisPrefix });
      await keys.clearPrefix();
      await keys.close();
    });
  }

  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString('utf8');
      if (/"level":(4|5|6)0/.test(line) && warnings.length < 20) warnings.push(line.trim().slice(0, 400));
      done();
    },
  });
  if (o.botProcesses > 0 && !(databaseUrl && redisUrl))
    throw new Error('--bot-processes needs DATABASE_URL and REDIS_URL: processes share PostgreSQL and Redis');
  const environment: Record<string, string> = {
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix } : {}),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    REPLY_DEBOUNCE_MS: String(debounceMs),
    OPENAI_API_KEY: world.openaiKey,
    OPENAI_BASE_URL: world.openaiUrl,
    TELEGRAM_API_ROOT: world.telegramUrl,
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
    // The bench measures the pipeline's throughput, not the per-owner model call limits.
    modelCallLimits: { perMinute: 1_000_000, concurrency: 100_000 },
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
  const address = server.address();
  const api = http(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);

  progress(`frontdesk debounce ${debounceMs} ms: owners, knowledge, bots`);
  const csv = new Uint8Array(readFileSync(new URL('../test/fixtures/services.csv', import.meta.url)));
  const tokens = newTokens(o.bots, 6_200_000_000 + debounceMs * 1000);
  await world.call({ method: 'addBots', tokens });
  await Promise.all(
    tokens.map(async (token, index) => {
      const registered = await api.json('POST', '/api/auth/register', {
        email: `bench-${index}-${randomBytes(4).toString('hex')}@example.com`,
        password: 'correct horse battery',
        salon_name: `Bench Salon ${index}`,
      });
      expectStatus('register', registered, 201);
      const access: string = registered.body.access;
      expectStatus('upload', await api.upload('/api/agent/files/', access, 'services.csv', csv), 200, 201);
      expectStatus('train', await api.json('POST', '/api/agent/train/', undefined, access), 200);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status = await api.json('GET', '/api/agent/train/status/', undefined, access);
        if (status.body?.status !== 'training') {
          if (status.body?.status !== 'completed') throw new Error(`training ended ${status.text}`);
          break;
        }
        if (Date.now() > deadline) throw new Error(`training still running after 60 s: ${status.text}`);
        await sleep(100);
      }
      expectStatus('connect the bot', await api.json('POST', '/api/integrations/telegram/', { token }, access), 201);
    }),
  );
  await world.call({ method: 'waitPolling', tokens });
  const spread = botProcesses.length > 0 ? await botsPerHolder(redisUrl!, redisPrefix) : undefined;

  progress(`frontdesk debounce ${debounceMs} ms: load`);
  await warmUp(world, `frontdesk${debounceMs}`, tokens, o);
  const profiler = o.profile ? queryProfiler(system.db.knex) : undefined;
  const cpu = o.cpuProfileDir ? await cpuProfiler() : undefined;
  const monitor = loopMonitor();
  const cpuAtStart = cpuSnapshot(botProcesses.flatMap((child) => (child.pid === undefined ? [] : [child.pid])));
  const result = await measuredLoad(world, `frontdesk${debounceMs}`, tokens, o);
  const cpuSpent = cpuSince(cpuAtStart);
  const loop = monitor.stop();
  if (cpu)
    console.error(`[bench:telegram] CPU profile: ${await cpu.stop(o.cpuProfileDir!, `frontdesk-${debounceMs}`)}`);
  const profile = profiler?.stop(Math.max(1, result.records.length));
  const scenario =
    botProcesses.length > 0 ? `frontdesk, ${botProcesses.length} bot processes` : 'frontdesk (RAG pipeline)';
  const row: Row = {
    scenario,
    database: system.db.kind,
    store: system.store.kind,
    debounceMs,
    result,
    loop,
    cpu: cpuSpent,
  };
  const notes = [
    ...(spread ? [`bots per process (Redis leases): ${spread.join(', ')}`] : []),
    ...(profile ?? []),
    ...warnings.map((line) => `log: ${line}`),
  ];
  if (notes.length > 0) row.profile = notes;
  return row;
}

// ---- figures

interface Figures {
  ok: number;
  failed: number;
  msgsPerSecond: number;
  e2e: { p50: number; p99: number };
  model: { p50: number; max: number };
  own: { p50: number; p90: number; p99: number; max: number };
}

function figures(result: LoadResult, debounceMs: number): Figures {
  const ok = result.records.filter((record) => record.ok);
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const e2e = sorted(ok.map((record) => record.e2eMs));
  const model = sorted(ok.map((record) => record.modelMs ?? 0));
  const own = sorted(ok.map((record) => record.e2eMs - (record.modelMs ?? 0) - debounceMs));
  return {
    ok: ok.length,
    failed: result.records.length - ok.length,
    msgsPerSecond: ok.length / (result.wallMs / 1000),
    e2e: { p50: percentile(e2e, 50), p99: percentile(e2e, 99) },
    model: { p50: percentile(model, 50), max: model.at(-1) ?? Number.NaN },
    own: {
      p50: percentile(own, 50),
      p90: percentile(own, 90),
      p99: percentile(own, 99),
      max: own.at(-1) ?? Number.NaN,
    },
  };
}

function table(header: string[], lines: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(format)].join('\n');
}

/** CPU per message of each part of the machine during the load. */
function cpuLine(cpu: CpuSpent, worldCpuMs: number | undefined, messages: number): string {
  const per = (value: number) => (value / Math.max(1, messages)).toFixed(2);
  const parts: string[] = [];
  const rest = cpu.process - (cpu.mainThread ?? 0) - (worldCpuMs ?? 0);
  if (cpu.mainThread !== undefined) parts.push(`main thread ${per(cpu.mainThread)}`);
  parts.push(
    `${cpu.mainThread !== undefined ? 'rest of the process (GC, libuv)' : 'this process'}${worldCpuMs !== undefined ? '' : ' with the fakes'} ${per(worldCpuMs !== undefined || cpu.mainThread !== undefined ? rest : cpu.process)}`,
  );
  if (worldCpuMs !== undefined) parts.push(`fakes' worker ${per(worldCpuMs)}`);
  if (cpu.children !== undefined) parts.push(`bot processes ${per(cpu.children)}`);
  for (const [name, ms] of Object.entries(cpu.others ?? {})) parts.push(`${name} ${per(ms)}`);
  const all = cpu.process + (cpu.children ?? 0) + Object.values(cpu.others ?? {}).reduce((sum, ms) => sum + ms, 0);
  return `CPU ms per message: ${parts.join(', ')}; all ${per(all)}`;
}

function report(rows: Row[], o: Options, note?: string): void {
  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');
  const computed = rows.map((row) => ({ row, f: figures(row.result, row.debounceMs) }));
  console.log('');
  console.log(
    `Telegram bench: ${o.bots} bots × ${o.customers} customers × ${o.messages} messages, each customer waits for the reply before its next message; model latency ${o.modelMs} ms; Node ${process.version}`,
  );
  console.log(
    "own time = end to end − the model's time for that message, measured where the model waits (inside the fake OpenAI server for frontdesk,",
  );
  console.log(
    "inside the echo handler for the baseline); end to end = update pushed to the fake Bot API → the bot's sendMessage received by it,",
  );
  console.log(
    'so it includes the long-poll delivery (getUpdates), the Bot API calls and, for frontdesk, the HTTP round trip to the model.',
  );
  console.log(
    'For frontdesk the configured quiet period (REPLY_DEBOUNCE_MS, "debounce ms") is taken off as well; its timer\'s lateness stays in.',
  );
  if (note) console.log(note);
  console.log('');
  console.log(
    table(
      [
        'scenario',
        'database',
        'store',
        'debounce ms',
        'messages',
        'failed',
        'msgs/s',
        'own p50 ms',
        'own p90 ms',
        'own p99 ms',
        'own max ms',
        'e2e p50 ms',
        'e2e p99 ms',
        'model p50 ms',
        'loop delay p99 ms',
      ],
      computed.map(({ row, f }) => [
        row.scenario,
        row.database,
        row.store,
        String(row.debounceMs),
        String(f.ok),
        String(f.failed),
        f.msgsPerSecond.toFixed(1),
        ms(f.own.p50),
        ms(f.own.p90),
        ms(f.own.p99),
        ms(f.own.max),
        ms(f.e2e.p50),
        ms(f.e2e.p99),
        ms(f.model.p50),
        ms(row.loop.p99),
      ]),
    ),
  );
  for (const { row, f } of computed) {
    const perMessage = Object.entries(row.result.calls)
      .map(([method, count]) => `${method} ${(count / Math.max(1, f.ok + f.failed)).toFixed(2)}`)
      .join(', ');
    console.log(
      `\n${row.scenario}: wall ${(row.result.wallMs / 1000).toFixed(2)} s; Bot API calls per message: ${perMessage}; unexpected replies ${row.result.unexpectedReplies}; ` +
        `event-loop delay p50/p99/max: main thread ${ms(row.loop.p50)} / ${ms(row.loop.p99)} / ${ms(row.loop.max)} ms, ` +
        `fakes' worker ${ms(row.result.worldLoop?.p50 ?? Number.NaN)} / ${ms(row.result.worldLoop?.p99 ?? Number.NaN)} / ${ms(row.result.worldLoop?.max ?? Number.NaN)} ms`,
    );
    if (row.cpu) console.log(`  ${cpuLine(row.cpu, row.result.worldCpuMs, f.ok + f.failed)}`);
    const modelCalls = row.result.records.filter((record) => record.ok && record.modelCalls !== 1).length;
    if (modelCalls > 0) console.log(`  ${modelCalls} answered messages without exactly one model call`);
    const asked = row.result.records.filter((record) => record.grounded !== undefined);
    if (asked.length > 0)
      console.log(
        `  model requests with passages from the knowledge base: ${asked.filter((record) => record.grounded).length} of ${asked.length} (the rest found none)`,
      );
    for (const problem of [
      ...new Set(row.result.records.filter((record) => !record.ok).map((record) => record.problem)),
    ].slice(0, 5))
      console.log(`  failed: ${problem}`);
    for (const line of row.profile ?? []) console.log(`  ${line}`);
  }
  const echo = computed.find(({ row }) => row.scenario.startsWith('grammY'));
  const products = computed.filter(({ row }) => row.scenario.startsWith('frontdesk'));
  console.log('');
  if (products.length === 0) console.log('targets: frontdesk not measured');
  for (const product of products) {
    const label = `${product.row.scenario.replace(' (RAG pipeline)', '')}, ${product.row.database}/${product.row.store}, REPLY_DEBOUNCE_MS=${product.row.debounceMs}`;
    const p99 = product.f.own.p99;
    console.log(`${label}: target own time p99 <= 25 ms: ${p99 <= 25 ? 'PASS' : 'FAIL'} (${ms(p99)} ms)`);
    if (echo) {
      const ratio = product.f.msgsPerSecond / echo.f.msgsPerSecond;
      const bound =
        product.row.debounceMs > 0
          ? ` — with the quiet period each customer waits ${product.row.debounceMs} ms more per message, so this bounds the throughput of a closed loop`
          : '';
      console.log(
        `${label}: target throughput >= 0.5 × echo: ${ratio >= 0.5 ? 'PASS' : 'FAIL'} (${product.f.msgsPerSecond.toFixed(1)} vs ${echo.f.msgsPerSecond.toFixed(1)} msgs/s, ${ratio.toFixed(2)}×)${bound}`,
      );
    } else {
      console.log(`${label}: target throughput >= 0.5 × echo: not measured (no baseline)`);
    }
    if (product.f.failed > 0)
      console.log(`${label}: ${product.f.failed} messages failed; the figures count only answered ones`);
  }
}

async function main(): Promise<void> {
  const { loadConfig } = await import('../core/config.ts');
  const o = parseOptions(loadConfig({}).replyDebounceMs);
  const rows: Row[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let phase = 'start';
  let currentDebounce = 0;
  const live = { database: '?', store: '?' };
  let world: WorldClient | undefined;
  const progress = (next: string) => {
    phase = next;
    console.error(`[bench:telegram] ${next}`);
  };
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => console.error(`[bench:telegram] cleanup failed: ${String(error)}`));
    }
  };

  const deadline = setTimeout(() => {
    void (async () => {
      console.error(`[bench:telegram] global timeout (${o.timeoutS} s) during "${phase}"`);
      const partial = await world?.call<LoadResult | undefined>({ method: 'partial' }, 2_000).catch(() => undefined);
      if (partial)
        rows.push({
          scenario: `${phase} (partial)`,
          database: live.database,
          store: live.store,
          debounceMs: currentDebounce,
          result: partial,
          loop: { p50: Number.NaN, p99: Number.NaN, max: Number.NaN },
        });
      report(rows, o, `INCOMPLETE: stopped by the global timeout during "${phase}"`);
      await Promise.race([runCleanups(), sleep(10_000)]);
      process.exit(1);
    })();
  }, o.timeoutS * 1000);

  let failed = false;
  try {
    progress('starting the fake Telegram and model');
    world = await WorldClient.start(o.modelMs);
    progress('echo: bots');
    rows.push(await runEcho(world, o, progress));
    for (const debounceMs of o.debounces) {
      currentDebounce = debounceMs;
      try {
        rows.push(await runProduct(world, o, debounceMs, progress, cleanups, live));
      } finally {
        progress(`frontdesk debounce ${debounceMs} ms: closing`);
        await runCleanups();
      }
    }
  } catch (error) {
    failed = true;
    console.error(`[bench:telegram] failed during "${phase}":`, error);
  } finally {
    await world?.close();
    clearTimeout(deadline);
  }
  report(rows, o, failed ? `INCOMPLETE: failed during "${phase}"` : undefined);
  if (failed) process.exitCode = 1;
}

const data = workerData as WorldData | undefined;
if (!isMainThread && data?.role === 'bench-telegram-world') await world(data);
else if (isMainThread) await main();
