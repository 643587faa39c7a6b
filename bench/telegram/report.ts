// The bench's report: the table of every scenario, each one's details, and the targets.
import { cpus } from 'node:os';
import { type CpuSpent, machineCpuMs } from './cpu-time.ts';
import { figures } from './figures.ts';
import { ratioCustomersPerBot } from './loads.ts';
import type { Options } from './options.ts';
import type { Row } from './row.ts';

/** Issue 14's target for the product at saturation, on PostgreSQL + Redis. */
const CPU_PER_MESSAGE_TARGET_MS = 3.0;
const OWN_P99_TARGET_MS = 25;

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');

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
  for (const [name, spent] of Object.entries(cpu.servers ?? {})) parts.push(`${name} ${per(spent)}`);
  return `CPU ms per message: ${parts.join(', ')}; all ${per(machineCpuMs(cpu))}`;
}

function explain(o: Options, note?: string): void {
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
  console.log(
    "Machine-wide CPU = this process (the system under test, GC, and the fakes' worker), bot processes, and the PostgreSQL (backends of",
  );
  console.log(
    "the bench's database and the server's background processes) and Redis processes, during the saturating load, per message.",
  );
  if (note) console.log(note);
  console.log('');
}

export function report(rows: Row[], o: Options, note?: string): void {
  const computed = rows.map((row) => ({ row, f: figures(row.result, row.debounceMs) }));
  explain(o, note);
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
    if (row.cpu) {
      console.log(`  ${cpuLine(row.cpu, row.result.worldCpuMs, f.ok + f.failed)}`);
      const busy = machineCpuMs(row.cpu) / row.result.wallMs;
      console.log(`  machine-wide CPU busy during the load: ${busy.toFixed(2)} of ${cpus().length} cores`);
    }
    if (row.ratio) {
      const r = figures(row.ratio, row.debounceMs);
      console.log(
        `  at ${ratioCustomersPerBot(o) * o.bots} customers: ${r.msgsPerSecond.toFixed(1)} msgs/s, own p99 ${ms(r.own.p99)} ms${r.failed > 0 ? `, ${r.failed} failed` : ''}`,
      );
    }
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
  targets(computed, o);
}

function targets(computed: Array<{ row: Row; f: ReturnType<typeof figures> }>, o: Options): void {
  const echo = computed.find(({ row }) => row.scenario.startsWith('grammY'));
  const products = computed.filter(({ row }) => row.scenario.startsWith('frontdesk'));
  const perMessage = (row: Row, f: ReturnType<typeof figures>) =>
    row.cpu ? machineCpuMs(row.cpu) / Math.max(1, f.ok + f.failed) : undefined;
  console.log('');
  if (echo) {
    const cpu = perMessage(echo.row, echo.f);
    if (cpu !== undefined) console.log(`grammY echo: machine-wide CPU per message at saturation ${cpu.toFixed(2)} ms`);
  }
  if (products.length === 0) console.log('targets: frontdesk not measured');
  for (const product of products) {
    const label = `${product.row.scenario.replace(' (RAG pipeline)', '')}, ${product.row.database}/${product.row.store}, REPLY_DEBOUNCE_MS=${product.row.debounceMs}`;
    const cpu = perMessage(product.row, product.f);
    const onServers = product.row.database === 'postgres' && product.row.store === 'redis';
    if (cpu !== undefined)
      console.log(
        `${label}: machine-wide CPU per message at saturation ${cpu.toFixed(2)} ms; target <= ${CPU_PER_MESSAGE_TARGET_MS.toFixed(1)} ms on PostgreSQL + Redis: ${onServers ? (cpu <= CPU_PER_MESSAGE_TARGET_MS ? 'PASS' : 'FAIL') : 'not this configuration'}`,
      );
    else console.log(`${label}: machine-wide CPU per message: not measured (no /proc)`);
    if (echo?.row.ratio && product.row.ratio) {
      const mine = figures(product.row.ratio, product.row.debounceMs).msgsPerSecond;
      const theirs = figures(echo.row.ratio, 0).msgsPerSecond;
      console.log(
        `${label}: throughput at ${ratioCustomersPerBot(o) * o.bots} customers ${(mine / theirs).toFixed(2)} × echo (${mine.toFixed(1)} vs ${theirs.toFixed(1)} msgs/s)`,
      );
    }
    const p99 = product.f.own.p99;
    console.log(
      `${label}: target own time p99 <= ${OWN_P99_TARGET_MS} ms: ${p99 <= OWN_P99_TARGET_MS ? 'PASS' : 'FAIL'} (${ms(p99)} ms)`,
    );
    if (echo) {
      const ratio = product.f.msgsPerSecond / echo.f.msgsPerSecond;
      const bound =
        product.row.debounceMs > 0
          ? ` — with the quiet period each customer waits ${product.row.debounceMs} ms more per message, so this bounds the throughput of a closed loop`
          : '';
      console.log(
        `${label}: throughput at saturation ${ratio.toFixed(2)} × echo (${product.f.msgsPerSecond.toFixed(1)} vs ${echo.f.msgsPerSecond.toFixed(1)} msgs/s)${bound}`,
      );
    }
    if (product.f.failed > 0)
      console.log(`${label}: ${product.f.failed} messages failed; the figures count only answered ones`);
  }
}
