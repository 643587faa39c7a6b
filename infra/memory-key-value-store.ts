// In-process KeyValueStore for the single-process embedded default; mirrors Redis semantics closely
// enough that the same contract tests pass against both.
import type { KeyValueStore, MessageHandler } from '../core/ports/key-value-store.ts';

export interface MemoryKeyValueStoreOptions {
  /** How often expired keys nobody reads again are dropped, so the Map cannot grow without bound. */
  sweepIntervalMs?: number;
  /** Receives errors thrown by subscribers; one failing handler must not stop delivery to the rest. */
  onHandlerError?: (error: unknown, channel: string) => void;
}

interface Entry {
  value: string;
  /** Epoch milliseconds, or null for a key that never expires. */
  expiresAt: number | null;
}

function checkTtl(ttlMs: number | undefined): void {
  // Redis rejects non-positive expiries; failing the same way keeps callers honest in tests.
  if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  }
}

export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory' as const;

  private readonly entries = new Map<string, Entry>();
  private readonly channels = new Map<string, Set<MessageHandler>>();
  /** Each group's members with the time their heartbeat runs out. */
  private readonly groups = new Map<string, Map<string, number>>();
  /** Each semaphore's holders with the time their slot runs out. */
  private readonly slots = new Map<string, Map<string, number>>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly onHandlerError: (error: unknown, channel: string) => void;
  private closed = false;

  constructor(options: MemoryKeyValueStoreOptions = {}) {
    this.onHandlerError =
      options.onHandlerError ??
      ((error, channel) => console.error(`MemoryKeyValueStore: handler for "${channel}" threw`, error));
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 30_000);
    // A cache must never be the reason the process stays alive.
    this.sweepTimer.unref();
  }

  async get(key: string): Promise<string | null> {
    this.assertOpen();
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.assertOpen();
    checkTtl(ttlMs);
    // Like Redis SET without KEEPTTL, a plain set drops any earlier expiry.
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? null : Date.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    this.assertOpen();
    checkTtl(ttlMs);
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? null : Date.now() + ttlMs });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    this.entries.delete(key);
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    this.assertOpen();
    checkTtl(windowMs);
    const now = Date.now();
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: '1', expiresAt: now + windowMs });
      return { count: 1, resetMs: windowMs };
    }
    const current = Number(entry.value);
    if (!Number.isSafeInteger(current)) {
      throw new Error(`value at "${key}" is not an integer`);
    }
    entry.value = String(current + 1);
    // A counter without expiry would rate-limit forever; give it a window as the Redis script does.
    entry.expiresAt ??= now + windowMs;
    return { count: current + 1, resetMs: Math.max(0, entry.expiresAt - now) };
  }

  async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    checkTtl(ttlMs);
    const entry = this.live(key);
    if (entry && entry.value !== holder) return false;
    this.entries.set(key, { value: holder, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    this.assertOpen();
    if (this.live(key)?.value === holder) this.entries.delete(key);
  }

  async acquireSlot(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    checkTtl(ttlMs);
    const now = Date.now();
    let holders = this.slots.get(key);
    if (!holders) this.slots.set(key, (holders = new Map()));
    for (const [name, expiresAt] of holders) if (expiresAt <= now) holders.delete(name);
    if (!holders.has(holder) && holders.size >= limit) return false;
    holders.set(holder, now + ttlMs);
    return true;
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    this.assertOpen();
    const holders = this.slots.get(key);
    holders?.delete(holder);
    if (holders?.size === 0) this.slots.delete(key);
  }

  async heartbeat(group: string, member: string, ttlMs: number): Promise<number> {
    this.assertOpen();
    checkTtl(ttlMs);
    const now = Date.now();
    let members = this.groups.get(group);
    if (!members) this.groups.set(group, (members = new Map()));
    for (const [name, expiresAt] of members) if (expiresAt <= now) members.delete(name);
    members.set(member, now + ttlMs);
    return members.size;
  }

  async leave(group: string, member: string): Promise<void> {
    this.assertOpen();
    const members = this.groups.get(group);
    members?.delete(member);
    if (members?.size === 0) this.groups.delete(group);
  }

  async publish(channel: string, message: string): Promise<void> {
    this.assertOpen();
    const handlers = this.channels.get(channel);
    if (!handlers || handlers.size === 0) return;
    // Snapshot now: like Redis, only handlers subscribed at publish time receive the message.
    const recipients = [...handlers];
    // Asynchronous like Redis, so callers cannot come to rely on the handler having run before publish returns.
    queueMicrotask(() => {
      if (this.closed) return;
      for (const handler of recipients) {
        try {
          handler(message);
        } catch (error) {
          this.onHandlerError(error, channel);
        }
      }
    });
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    this.assertOpen();
    // Wrapped so the same function subscribed twice behaves as two subscriptions, as in the Redis store.
    const subscription: MessageHandler = (message) => handler(message);
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    handlers.add(subscription);
    return async () => {
      const current = this.channels.get(channel);
      if (!current) return;
      current.delete(subscription);
      if (current.size === 0) this.channels.delete(channel);
    };
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.entries.clear();
    this.channels.clear();
    this.groups.clear();
    this.slots.clear();
  }

  /** Returns the entry if present and unexpired, dropping it lazily when it has expired. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const [key, holders] of this.slots) {
      for (const [name, expiresAt] of holders) if (expiresAt <= now) holders.delete(name);
      if (holders.size === 0) this.slots.delete(key);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryKeyValueStore is closed');
  }
}
