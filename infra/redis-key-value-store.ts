// Redis-backed KeyValueStore, so rate limits, leases and events are shared by every process of a deployment.
import { Redis } from 'ioredis';
import type { KeyValueStore, MessageHandler } from '../core/ports/key-value-store.ts';

export interface RedisKeyValueStoreOptions {
  url: string;
  /** Prepended to every key and channel name, so deployments or test runs can share one Redis. */
  keyPrefix?: string;
  /** Upper bound on `ping`, so /health answers promptly even when the host swallows packets. */
  pingTimeoutMs?: number;
  /** Receives errors thrown by subscribers; one failing handler must not stop delivery to the rest. */
  onHandlerError?: (error: unknown, channel: string) => void;
}

// INCR keeps an existing TTL, so only the first increment of a window sets it; the PTTL < 0 branch
// repairs a counter that somehow lost its expiry rather than letting it rate-limit forever.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

const ACQUIRE_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

const RELEASE_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

// A group's members in a sorted set scored by when each one's heartbeat runs out, on Redis's clock (one
// clock for every process). The set itself expires with its last member.
const HEARTBEAT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return redis.call('ZCARD', KEYS[1])`;

// A semaphore's holders in a sorted set scored by when each slot runs out (Redis's clock, as above).
const ACQUIRE_SLOT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`;

/** Redis PX takes whole positive milliseconds; reject what Redis would, round what it cannot express. */
function toPx(ttlMs: number): number {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

/** SCAN MATCH treats these as glob syntax; a prefix must match only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

interface Channel {
  handlers: Set<MessageHandler>;
  /** Settles when Redis has confirmed SUBSCRIBE, so later subscribers wait for the same confirmation. */
  ready: Promise<unknown>;
}

export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis' as const;

  private readonly redis: Redis;
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, Channel>();
  private readonly keyPrefix: string;
  private readonly pingTimeoutMs: number;
  private readonly onHandlerError: (error: unknown, channel: string) => void;

  constructor(options: RedisKeyValueStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? '';
    this.pingTimeoutMs = options.pingTimeoutMs ?? 3_000;
    this.onHandlerError =
      options.onHandlerError ??
      ((error, channel) => console.error(`RedisKeyValueStore: handler for "${channel}" threw`, error));
    this.redis = new Redis(options.url, {
      // Commands fail after a couple of reconnect attempts instead of queueing for minutes while Redis is down.
      maxRetriesPerRequest: 2,
      connectTimeout: 3_000,
      lazyConnect: false,
    });
    this.absorbConnectionErrors(this.redis);
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.k(key));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(this.k(key), value);
    else await this.redis.set(this.k(key), value, 'PX', toPx(ttlMs));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const reply =
      ttlMs === undefined
        ? await this.redis.set(this.k(key), value, 'NX')
        : await this.redis.set(this.k(key), value, 'PX', toPx(ttlMs), 'NX');
    return reply === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    const reply = await this.redis.eval(INCREMENT_SCRIPT, 1, this.k(key), toPx(windowMs));
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new Error(`unexpected reply from increment script: ${JSON.stringify(reply)}`);
    }
    return { count: reply[0], resetMs: reply[1] };
  }

  async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const reply = await this.redis.eval(ACQUIRE_LEASE_SCRIPT, 1, this.k(key), holder, toPx(ttlMs));
    return reply === 1;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE_LEASE_SCRIPT, 1, this.k(key), holder);
  }

  async acquireSlot(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const reply = await this.redis.eval(ACQUIRE_SLOT_SCRIPT, 1, this.k(key), holder, limit, toPx(ttlMs));
    return reply === 1;
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    await this.redis.zrem(this.k(key), holder);
  }

  async heartbeat(group: string, member: string, ttlMs: number): Promise<number> {
    const reply = await this.redis.eval(HEARTBEAT_SCRIPT, 1, this.k(group), member, toPx(ttlMs));
    if (typeof reply !== 'number') throw new Error(`unexpected reply from heartbeat script: ${JSON.stringify(reply)}`);
    return reply;
  }

  async leave(group: string, member: string): Promise<void> {
    await this.redis.zrem(this.k(group), member);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.k(channel), message);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const name = this.k(channel);
    // A fresh wrapper per call, so subscribing the same function twice yields two independent subscriptions.
    const subscription: MessageHandler = (message) => handler(message);
    let entry = this.channels.get(name);
    if (!entry) {
      const created: Channel = { handlers: new Set(), ready: this.subscriberConnection().subscribe(name) };
      // A failed SUBSCRIBE must not leave a dead entry that later subscribers would trust.
      created.ready.catch(() => {
        if (this.channels.get(name) === created) this.channels.delete(name);
      });
      this.channels.set(name, created);
      entry = created;
    }
    entry.handlers.add(subscription);
    try {
      await entry.ready;
    } catch (error) {
      entry.handlers.delete(subscription);
      throw error;
    }
    const subscribed = entry;
    return async () => {
      if (!subscribed.handlers.delete(subscription) || subscribed.handlers.size > 0) return;
      if (this.channels.get(name) === subscribed) this.channels.delete(name);
      // Commands on one connection run in order, so a later SUBSCRIBE to this channel still wins.
      await this.subscriber?.unsubscribe(name);
    };
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer PING within ${this.pingTimeoutMs} ms`)),
        this.pingTimeoutMs,
      );
    });
    try {
      await Promise.race([this.redis.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.channels.clear();
    const connections = this.subscriber ? [this.redis, this.subscriber] : [this.redis];
    await Promise.all(connections.map((connection) => this.shutDown(connection)));
  }

  /** Deletes every key under this store's prefix; refuses without a prefix, as that would wipe the database. */
  async clearPrefix(): Promise<void> {
    if (this.keyPrefix === '') throw new Error('clearPrefix needs a non-empty keyPrefix');
    const pattern = `${escapeGlob(this.keyPrefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await this.redis.del(keys);
      cursor = next;
    } while (cursor !== '0');
  }

  private k(name: string): string {
    return this.keyPrefix + name;
  }

  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      // A connection in subscriber mode cannot run ordinary commands, hence a dedicated one.
      const subscriber = this.redis.duplicate();
      this.absorbConnectionErrors(subscriber);
      subscriber.on('message', (name: string, message: string) => this.dispatch(name, message));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private dispatch(name: string, message: string): void {
    const entry = this.channels.get(name);
    if (!entry) return;
    for (const handler of [...entry.handlers]) {
      try {
        handler(message);
      } catch (error) {
        this.onHandlerError(error, name.slice(this.keyPrefix.length));
      }
    }
  }

  /**
   * Without a listener ioredis prints every reconnect failure as "Unhandled error event"; the same
   * failures already reach callers as rejected commands and a failing `ping`.
   */
  private absorbConnectionErrors(connection: Redis): void {
    connection.on('error', () => {});
  }

  private async shutDown(connection: Redis): Promise<void> {
    if (connection.status === 'end') return;
    if (connection.status !== 'ready') {
      // QUIT would wait in the offline queue for a connection that may never come.
      connection.disconnect();
      return;
    }
    try {
      await connection.quit();
    } catch {
      connection.disconnect();
    }
  }
}
