// Measures how responsive the server stays while it reads hostile uploads and trains a large file, on the
// embedded default (PGlite in this process, a fresh DATA_DIR): /health is polled every 20 ms and a test-chat
// question asked every 100 ms throughout, and the process's peak RSS (worker threads included) is sampled.
// Phases: the four uploads of issue 12 (a .docx unpacking to ~91 MB, a 20,000-page PDF, a PDF inflating to
// 600 MB, a 1 M-row .xlsx), then a large good file (~4.6 M characters) uploaded, trained, trained again, deleted.
// Run: npm run bench:upload          (target: /health p99 < 200 ms)
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { composeSystem } from '../compose.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../infra/logger.ts';
import { hugeDocx, inflatingPdf, manyPagesPdf, manyRowsXlsx } from '../test/support/hostile-files.ts';
import { fixture, longTextFile } from '../test/support/knowledge.ts';
import { HttpClient } from '../test/support/test-system.ts';

interface Samples {
  health: number[];
  chat: number[];
  errors: number;
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : '-');

/** Calls `probe` every `everyMs` (after the previous call returned) until stopped, recording each latency. */
function poll(probe: () => Promise<boolean>, everyMs: number, into: () => number[], onError: () => void) {
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      const ok = await probe().catch(() => false);
      if (ok) into().push(performance.now() - started);
      else onError();
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-bench-upload-'));
  const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const system = await composeSystem(config, { logger: createLogger('warn') });
  const server = createServer(system.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const http = new HttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  let peakRss = process.memoryUsage.rss();
  const rssSampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  try {
    const registered = await http.post('/api/auth/register', {
      body: {
        email: `bench-${randomBytes(4).toString('hex')}@example.com`,
        password: randomBytes(12).toString('hex'),
        salon_name: 'Bench',
      },
    });
    if (registered.status !== 201) throw new Error(`register failed: ${registered.text}`);
    const token: string = registered.body.access;
    await http.upload('/api/agent/files/', token, { file: fixture('services.csv') });
    await trainToEnd(http, token);

    let samples: Samples = { health: [], chat: [], errors: 0 };
    const stopHealth = poll(
      async () => (await http.get('/health')).status === 200,
      20,
      () => samples.health,
      () => samples.errors++,
    );
    const stopChat = poll(
      async () =>
        (await http.upload('/api/agent/test/', token, { message: "How much is a men's haircut?" })).status === 200,
      100,
      () => samples.chat,
      () => samples.errors++,
    );
    const phases: { phase: string; samples: Samples; seconds: number; note: string }[] = [];
    const phase = async (name: string, work: () => Promise<string>) => {
      samples = { health: [], chat: [], errors: 0 };
      loopDelay.reset();
      loopDelay.enable();
      const started = performance.now();
      const note = await work();
      loopDelay.disable();
      phases.push({
        phase: name,
        samples,
        seconds: (performance.now() - started) / 1000,
        note: `${note}; event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms`,
      });
    };

    const hostile = [await hugeDocx(), await manyPagesPdf(), await inflatingPdf(), await manyRowsXlsx()];
    // The same probes with nothing else going on: what the machine gives at the moment, to compare with.
    await phase('idle (baseline, 5 s)', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return 'nothing else running';
    });
    for (const file of hostile) {
      await phase(`upload ${file.name} (${(file.bytes.length / 1024).toFixed(0)} KB)`, async () => {
        const response = await http.upload('/api/agent/files/', token, { file });
        return `${response.status}: ${String(response.body?.detail ?? '').slice(0, 60)}…`;
      });
    }
    const large = longTextFile('rules.txt', 24_000);
    let largeId = '';
    await phase(`upload a large good file (${(large.bytes.length / 1e6).toFixed(1)} MB of text)`, async () => {
      const response = await http.upload('/api/agent/files/', token, { file: large });
      largeId = response.body.id;
      return `${response.status}, ${response.body.name}`;
    });
    await phase('train it', async () => {
      const status = await trainToEnd(http, token);
      return `${status.status}: ${status.message}`;
    });
    await phase('train again (nothing new)', async () => {
      const status = await trainToEnd(http, token);
      return `${status.status}: ${status.message}`;
    });
    await phase('delete the large file', async () => {
      const response = await http.delete(`/api/agent/files/${largeId}/`, { token });
      return `${response.status}`;
    });
    await stopHealth();
    await stopChat();

    const busy = phases.slice(1);
    const all = { health: busy.flatMap((p) => p.samples.health), chat: busy.flatMap((p) => p.samples.chat) };
    console.log(
      `upload stall, embedded default (PGlite), ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
    );
    console.log('phase | s | /health n, p50, p99, max | test chat n, p50, p99, max | failed probes | outcome');
    for (const { phase: name, samples: s, seconds, note } of phases) {
      console.log(
        [
          name,
          seconds.toFixed(1),
          `${s.health.length}, ${ms(percentile(s.health, 0.5))}, ${ms(percentile(s.health, 0.99))}, ${ms(Math.max(...s.health))}`,
          `${s.chat.length}, ${ms(percentile(s.chat, 0.5))}, ${ms(percentile(s.chat, 0.99))}, ${ms(Math.max(...s.chat))}`,
          String(s.errors),
          note,
        ].join(' | '),
      );
    }
    console.log(
      `all phases but the baseline: /health p50 ${ms(percentile(all.health, 0.5))}, p99 ${ms(percentile(all.health, 0.99))} (target < 200 ms); test chat p50 ${ms(percentile(all.chat, 0.5))}, p99 ${ms(percentile(all.chat, 0.99))}`,
    );
    console.log(`peak RSS of the process (worker threads included): ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
  } finally {
    clearInterval(rssSampler);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await system.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function trainToEnd(http: HttpClient, token: string): Promise<{ status: string; message: string }> {
  const started = await http.post('/api/agent/train/', { token });
  if (started.status !== 200) throw new Error(`train failed: ${started.text}`);
  for (;;) {
    const status = await http.get('/api/agent/train/status/', { token });
    if (status.body.status !== 'training') return status.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

await main();
