// Telegram load benchmark: many bots and customers through the fake Telegram Bot API, answers from the
// real product (compose.ts, polling bots, RAG pipeline) with a fake model of fixed latency; and, in the
// same run, a bare grammY echo bot that waits the same model latency, as the baseline.
// Reports messages per second, the pipeline's own time per message (end to end minus the model), the
// machine-wide CPU time per message at saturation, and the throughput ratio to the echo bot at 100 customers.
//
// Run: npm run bench:telegram [-- --bots 10 --customers 20 --messages 5 --model-ms 200 --debounce-ms 0,1000
//        --ratio-customers 100 --timeout-s 300 --profile --cpu-profile DIR --bot-processes N]
// The product runs once per REPLY_DEBOUNCE_MS given (default: 0 and the product's default): the quiet period
// is a deliberate wait, taken off the own time like the model's. --customers is per bot: the saturating load
// is bots × customers; --ratio-customers is the load in all the ratio to the echo bot is read at (0: skip).
// --profile adds per-query database timings; --cpu-profile DIR writes a V8 CPU profile of the main thread
// during each saturating load (open it in Chrome DevTools); --bot-processes N runs the bots in N processes of
// `main.ts bots` instead of this one (PostgreSQL and Redis only: the processes share the bots through Redis
// leases; --profile / --cpu-profile see only this process). On Linux the CPU time of every part (this
// process's main thread and the rest, the fakes' worker, bot processes, PostgreSQL and Redis) is reported.
// PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set (a temporary database and key prefix, removed
// at the end), embedded PGlite (in a temporary DATA_DIR) and the in-process store otherwise.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../core/config.ts';
import { runEcho } from './echo-baseline.ts';
import { parseOptions } from './options.ts';
import { runProduct, type Live } from './product-run.ts';
import type { LoadResult } from './protocol.ts';
import { report } from './report.ts';
import type { Row } from './row.ts';
import { WorldClient } from './world-client.ts';

const o = parseOptions(loadConfig({}).replyDebounceMs);
const rows: Row[] = [];
const cleanups: Array<() => Promise<void>> = [];
let phase = 'start';
let currentDebounce = 0;
const live: Live = { database: '?', store: '?' };
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
