// Start-up time: spawn → first `/health` 200 of the product as `npm start` runs it (package.json's start
// script, its command spawned directly with node_modules/.bin on PATH, as npm does, without npm's own
// start-up), on the embedded default (PGlite, in-process store, no keys). A first start gets a fresh temporary
// DATA_DIR (it copies the install-time PGlite template); a restart opens the same DATA_DIR again. Beside them,
// in the same run, the time Node itself takes to start and exit (`node -e 0`), as the baseline.
//
// Run: npm run bench:startup [-- --runs 5] [--command 'node --import tsx main.ts'] (another command line to compare)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, startCommand } from '../test/support/start-command.ts';
const HEALTH_TIMEOUT_MS = 60_000;
const POLL_MS = 10;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, command: { type: 'string' } },
  strict: true,
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);

const start = startCommand(values.command);

/** Every process group this bench started and has not seen exit. */
const running = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function spawnGroup(file: string, argv: string[], env: Record<string, string>): ChildProcess {
  // Its own process group, so a wrapper (tsx's CLI, sh) and what it starts can be stopped together.
  const child = spawn(file, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * CPU time (user + system, every thread) of the processes in a process group so far, ms; undefined without
 * /proc. On a shared machine wall time depends on the neighbours' load, this much less.
 */
function groupCpuMs(group: number): number | undefined {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // The command name in parentheses may hold spaces; the fields after it are space-separated.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) === group) total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return total;
}

interface Sample {
  ms: number;
  cpuMs?: number;
}

/** Spawn → exit of `node -e 0`, ms. */
async function nodeBaseline(): Promise<number> {
  const started = performance.now();
  const child = spawnGroup(process.execPath, ['-e', '0'], { PATH: process.env.PATH ?? '' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node -e 0 exited with ${code}`);
  return performance.now() - started;
}

/** Spawn → first /health 200 of the start script on `dataDir`; the process is stopped before returning. */
async function productStart(dataDir: string): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  // Only what a newcomer would have: no DATABASE_URL, REDIS_URL or keys from this shell.
  const child = spawnGroup(start.file, start.args, {
    PATH: start.path,
    HOME: process.env.HOME ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  try {
    const deadline = started + HEALTH_TIMEOUT_MS;
    while (performance.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`\`${start.script}\` exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        await response.arrayBuffer();
        if (response.status === 200) return { ms: performance.now() - started, cpuMs: groupCpuMs(child.pid!) };
      } catch {
        // not listening yet
      }
      await sleep(POLL_MS);
    }
    throw new Error(`no /health 200 within ${HEALTH_TIMEOUT_MS} ms:\n${output}`);
  } finally {
    await stop(child);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const baseline: number[] = [];
const first: Sample[] = [];
const restart: Sample[] = [];
const dirs: string[] = [];
try {
  // One start unmeasured: it compiles when a source changed since the last build, and fills the file cache.
  const warmUp = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-startup-'));
  dirs.push(warmUp);
  await productStart(warmUp);
  for (let run = 1; run <= runs; run += 1) {
    baseline.push(await nodeBaseline());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-startup-'));
    dirs.push(dataDir);
    first.push(await productStart(dataDir));
    restart.push(await productStart(dataDir));
    console.error(
      `[bench:startup] run ${run}/${runs}: node ${baseline.at(-1)!.toFixed(0)} ms, first start ${first.at(-1)!.ms.toFixed(0)} ms, restart ${restart.at(-1)!.ms.toFixed(0)} ms`,
    );
  }
  const row = (label: string, samples: number[], target?: number) =>
    `${label.padEnd(34)}${`${median(samples).toFixed(0)} ms`.padStart(9)}   (${samples.map((ms) => ms.toFixed(0)).join(', ')})` +
    (target === undefined ? '' : `   target < ${target} ms: ${median(samples) < target ? 'PASS' : 'FAIL'}`);
  const cpu = (samples: Sample[]) =>
    samples.every((sample) => sample.cpuMs !== undefined)
      ? `; CPU time to /health 200: median ${median(samples.map((sample) => sample.cpuMs!)).toFixed(0)} ms`
      : '';
  console.log('');
  console.log(
    `Start-up: spawn → first /health 200, embedded default, median of ${runs}; \`${start.script}\`; Node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  console.log(row('node -e 0 (baseline, to exit)', baseline));
  console.log(
    row(
      'first start (fresh DATA_DIR)',
      first.map((sample) => sample.ms),
      3000,
    ) + cpu(first),
  );
  console.log(
    row(
      'restart (same DATA_DIR)',
      restart.map((sample) => sample.ms),
      2000,
    ) + cpu(restart),
  );
} finally {
  await Promise.all([...running].map(stop));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
