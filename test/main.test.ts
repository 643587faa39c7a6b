// Runs the real entry point as a new user would: `npm start`'s command in its own process, over real HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { RedisKeyValueStore } from '../infra/redis-key-value-store.ts';
import { testDatabase } from './setup.ts';
import { uniqueEmail } from './support/owners.ts';
import { eventually } from './support/eventually.ts';
import { ROOT, startCommand } from './support/start-command.ts';

const START = startCommand();

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

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startMain(env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  // Only what a newcomer would set: no inherited DATABASE_URL/REDIS_URL unless a test passes them.
  const child = spawn(START.file, START.args, {
    cwd: ROOT,
    env: {
      PATH: START.path,
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Polls /health until it answers 200; resolves with the elapsed milliseconds. */
async function waitForHealth(running: Running, timeoutMs: number, started: number): Promise<number> {
  const deadline = started + timeoutMs;
  let exitCode: number | null | undefined;
  void running.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`\`${START.script}\` exited with ${exitCode}:\n${running.output()}`);
    try {
      const response = await fetch(`${running.url}/health`);
      if (response.status === 200) return Date.now() - started;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no healthy answer within ${timeoutMs} ms:\n${running.output()}`);
}

async function stop(
  running: Running,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  running.child.kill(signal);
  const code = await running.exited;
  return { code, ms: Date.now() - started };
}

describe('main.ts (the real process)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-main-'));
    env = { DATA_DIR: dataDir };
    // On the PostgreSQL/Redis run the process uses this run's own database and the Redis server.
    const { url } = await testDatabase();
    if (url) env.DATABASE_URL = url;
    if (process.env.REDIS_URL) {
      env.REDIS_URL = process.env.REDIS_URL;
      env.REDIS_PREFIX = `frontdesk-test:${randomUUID()}:`;
    }
  });
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (env.REDIS_PREFIX) {
      const store = new RedisKeyValueStore({ url: env.REDIS_URL!, keyPrefix: env.REDIS_PREFIX });
      await store.clearPrefix();
      await store.close();
    }
  });

  it('starts healthy, keeps accounts and sessions across a restart, and stops cleanly on SIGTERM', async () => {
    // Start-up time is measured by `npm run bench:startup`, not asserted here.
    const first = await startMain(env);
    let second: Running | undefined;
    try {
      await waitForHealth(first, 30_000, Date.now());
      // On the embedded default the first start copies the database npm install prepared (not initdb).
      if (!env.DATABASE_URL)
        expect(first.output(), 'the first start used the install-time template').to.include('install-time template');

      const email = uniqueEmail('restart');
      const register = await fetch(`${first.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'survives restarts', salon_name: 'Lotus' }),
      });
      expect(register.status).to.equal(201);
      const { access } = (await register.json()) as { access: string };

      const stopped = await stop(first);
      expect(stopped.code).to.equal(0);
      expect(first.output()).to.include('stopped');

      second = await startMain(env);
      await waitForHealth(second, 30_000, Date.now());
      // The same generated JWT secret is read back from DATA_DIR, so the old token still works.
      const me = await fetch(`${second.url}/api/auth/me`, { headers: { authorization: `Bearer ${access}` } });
      expect(me.status).to.equal(200);
      const login = await fetch(`${second.url}/api/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'survives restarts' }),
      });
      expect(login.status).to.equal(200);
      expect((await stop(second, 'SIGINT')).code).to.equal(0);
    } finally {
      for (const running of [first, second]) {
        if (running && running.child.exitCode === null && running.child.signalCode === null) {
          running.child.kill('SIGKILL');
          await running.exited;
        }
      }
    }
    if (!env.DATABASE_URL) {
      expect(statSync(path.join(dataDir, 'secrets.json')).mode & 0o077, 'secrets file readable by others').to.equal(0);
    }
  });

  it('`npm start` hands SIGTERM to the server: signalling the process npm start created stops the server', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // A process group of its own, so `finally` can stop npm, its shell and the server whatever happens.
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const group = npm.pid!;
    const groupAlive = () => {
      try {
        process.kill(-group, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await waitForHealth({ child: npm, url, output: () => output, exited }, 30_000, Date.now());
      npm.kill('SIGTERM');
      // Bounded waits for the outcome, not a timing figure: the server closes its port and every process goes.
      await eventually(
        async () => {
          try {
            await fetch(`${url}/health`);
            return false;
          } catch {
            return true;
          }
        },
        20_000,
        `the server to stop after SIGTERM to npm start:\n${output}`,
      );
      await eventually(async () => !groupAlive(), 20_000, 'every process of npm start to exit');
      expect(output).to.include('shutting down');
      expect(output).to.include('stopped');
    } finally {
      if (groupAlive()) process.kill(-group, 'SIGKILL');
      await exited; // npm is in the group: gone by now, or at the SIGKILL
    }
  });

  it('refuses to start in production without DATABASE_URL, JWT_SECRET and ENCRYPTION_KEY', async () => {
    const running = await startMain({ NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(await running.exited).to.equal(1);
    expect(running.output()).to.include('NODE_ENV=production needs DATABASE_URL, JWT_SECRET, ENCRYPTION_KEY');
  });
});
