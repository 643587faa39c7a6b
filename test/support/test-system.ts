// Builds the real system (compose.ts) for a test, on the run's database and a fresh store, served over
// real HTTP on 127.0.0.1, with a captured log so tests can check what was logged.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { composeSystem, type ComposeOptions, type System } from '../../compose.ts';
import { loadConfig } from '../../core/config.ts';
import type { AccountLimits } from '../../core/accounts/account-service.ts';
import { createLogger } from '../../infra/logger.ts';
import { testDatabase } from '../setup.ts';
import { createTestStore, type TestStore } from './test-store.ts';
import type { WebClientFactory } from '../../bots/whatsapp/whatsapp-web-client.ts';

export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
export const TEST_ENCRYPTION_KEY = '0f'.repeat(32);

// Tests register many owners from 127.0.0.1; the real limits have their own tests.
const GENEROUS_LIMITS: AccountLimits = {
  loginPerAccountAndIp: { max: 1000, windowMs: 60_000 },
  loginPerAccount: { max: 1000, windowMs: 60_000 },
  changePasswordPerAccount: { max: 1000, windowMs: 60_000 },
  loginPerIp: { max: 1000, windowMs: 60_000 },
  registerPerIp: { max: 1000, windowMs: 60_000 },
};

export interface TestSystem {
  system: System;
  url: string;
  logs: string[];
  http: HttpClient;
  close(): Promise<void>;
}

export interface TestSystemOptions {
  env?: Record<string, string>;
  accountLimits?: AccountLimits;
  /** Bots poll with a 1 s timeout in tests, so stopping one is quick. */
  botPollTimeoutSeconds?: number;
  /** WhatsApp Web sessions through a fake whatsapp-web.js client, with a quick reconnect backoff. */
  whatsappWebClientFactory?: WebClientFactory;
  /**
   * WhatsApp Web sessions through the real whatsapp-web.js and Chromium. Otherwise, without a fake, a
   * session (such as one another test left in the run's database, which every system picks up) fails
   * at once instead of launching a browser the test knows nothing of.
   */
  realWhatsAppWeb?: boolean;
  /** Shares one store between systems (a restart, or two processes); the first system's store by default is its own. */
  store?: TestStore;
  /** The booking clock, for tests of days in the past (a DST change) or of reminders due soon. */
  now?: () => Date;
  /** Retries of Google calls; quick by default, so a test of a failing Google does not wait out real backoff. */
  googleRetry?: ComposeOptions['googleRetry'];
}

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const { db } = await testDatabase();
  const testStore = options.store ?? createTestStore();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  // Files the system writes (WhatsApp Web session profiles) go to a directory of its own, never the repository.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    LOG_LEVEL: 'debug',
    // Answer at once unless a test is about bursts: waiting would only slow the suite down.
    REPLY_DEBOUNCE_MS: '0',
    // Never the real Telegram: bots left connected by other tests fail fast against a closed port.
    TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
    // Tests ask the model more often than a customer would; the limits have tests of their own.
    MODEL_CALLS_PER_MINUTE: '100000',
    MODEL_CONCURRENCY: '1000',
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...options.env,
  });
  const system = await composeSystem(config, {
    logger: createLogger('debug', sink),
    db,
    store: testStore.store,
    accountLimits: options.accountLimits ?? GENEROUS_LIMITS,
    queuePrefix: testStore.prefix ? `${testStore.prefix}bull` : undefined,
    botPollTimeoutSeconds: options.botPollTimeoutSeconds ?? 1,
    whatsappWebClientFactory:
      options.whatsappWebClientFactory ?? (options.realWhatsAppWeb ? undefined : noBrowserInThisTest),
    whatsappWebReconnect: { baseMs: 5, maxMs: 50, attempts: 3 },
    now: options.now,
    googleRetry: options.googleRetry ?? { baseDelayMs: 1, maxDelayMs: 5 },
  });
  const server = createServer(system.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    system,
    url,
    logs,
    http: new HttpClient(url),
    async close() {
      await closeServer(server);
      await system.close();
      if (!options.store) await testStore.dispose();
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

const noBrowserInThisTest: WebClientFactory = async () => {
  throw new Error(
    'this test system runs no WhatsApp Web browser (startTestSystem: realWhatsAppWeb or a fake client factory)',
  );
};

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function toHttpResponse<T>(response: Response): Promise<HttpResponse<T>> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined; // not JSON: tests look at `text`
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, for malformed bodies. */
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

export class HttpClient {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    return toHttpResponse<T>(await fetch(this.baseUrl + path, { method, headers, body }));
  }

  /** multipart/form-data, as a browser form would send it. */
  async upload<T = any>(
    path: string,
    token: string,
    parts: Record<string, string | { name: string; bytes: Uint8Array; type?: string }>,
  ): Promise<HttpResponse<T>> {
    const form = new FormData();
    for (const [field, value] of Object.entries(parts)) {
      if (typeof value === 'string') form.append(field, value);
      else
        form.append(
          field,
          new Blob([new Uint8Array(value.bytes)], { type: value.type ?? 'application/octet-stream' }),
          value.name,
        );
    }
    return toHttpResponse<T>(
      await fetch(this.baseUrl + path, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }),
    );
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('POST', path, options);
  }
  put<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('PUT', path, options);
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
  patch<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('PATCH', path, options);
  }
}
