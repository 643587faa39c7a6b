// --bot-processes N: the bots run in N processes of `main.ts bots` on the same PostgreSQL and Redis,
// sharing the bots through Redis leases, instead of in this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';

/** N processes, each ready (its bot manager started) when returned; each is stopped by a cleanup. */
export async function startBotProcesses(
  count: number,
  environment: Record<string, string>,
  warnings: string[],
  cleanups: Array<() => Promise<void>>,
): Promise<ChildProcess[]> {
  const mainScript = new URL('../../main.ts', import.meta.url).pathname;
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
export async function botsPerHolder(redisUrl: string, prefix: string): Promise<number[]> {
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
