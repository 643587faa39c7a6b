// The baseline: bare grammY echo bots, polling the same fake Bot API, that wait the same simulated model
// latency before answering.
import { setTimeout as sleep } from 'node:timers/promises';
import { Bot } from 'grammy';
import { run, sequentialize } from '@grammyjs/runner';
import { cpuProfiler } from './cpu-profiler.ts';
import { cpuSince, cpuSnapshot } from './cpu-time.ts';
import { newTokens, ratioLoad, saturatingLoad, warmUp } from './loads.ts';
import { loopMonitor } from './loop-monitor.ts';
import type { Options } from './options.ts';
import { markerOf, type LoadResult } from './protocol.ts';
import type { Row } from './row.ts';
import type { WorldClient } from './world-client.ts';

export const POLL_TIMEOUT_S = 1;

export async function runEcho(world: WorldClient, o: Options, progress: (phase: string) => void): Promise<Row> {
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
  // The model's time for each message is measured in the handler, where the echo bot waits.
  const withModelTimes = (result: LoadResult): LoadResult => {
    for (const record of result.records) {
      record.modelMs = spans.get(record.marker);
      record.modelCalls = record.modelMs === undefined ? 0 : 1;
    }
    return result;
  };
  try {
    await world.call({ method: 'waitPolling', tokens });
    progress('echo: load');
    await warmUp(world, 'echo', tokens, o);
    const profiler = o.cpuProfileDir ? await cpuProfiler() : undefined;
    const monitor = loopMonitor();
    const cpuAtStart = cpuSnapshot();
    const result = withModelTimes(await saturatingLoad(world, 'echo', tokens, o));
    const cpu = cpuSince(cpuAtStart);
    const loop = monitor.stop();
    if (profiler) console.error(`[bench:telegram] CPU profile: ${await profiler.stop(o.cpuProfileDir!, 'echo')}`);
    const ratio = o.ratioCustomers > 0 ? withModelTimes(await ratioLoad(world, 'echo', tokens, o)) : undefined;
    return { scenario: 'grammY echo (baseline)', database: '-', store: '-', debounceMs: 0, result, loop, cpu, ratio };
  } finally {
    await Promise.all(handles.map(async (handle) => (handle.isRunning() ? handle.stop() : undefined)));
  }
}
