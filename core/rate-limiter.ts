// Fixed-window failure limiter on the key/value store: after `max` failures within `windowMs`, the key
// is blocked until the window ends. Used for logins (per account and address, per address), password
// changes and registrations.
import type { KeyValueStore } from './ports/key-value-store.ts';
import { RateLimitedError } from './errors.ts';

export interface LimitRule {
  max: number;
  windowMs: number;
}

export interface RateLimiter {
  /** Throws RateLimitedError while `key` is blocked. */
  check(key: string): Promise<void>;
  /** Counts one failure (or one attempt, for limits on attempts) against `key`. */
  hit(key: string): Promise<void>;
  /**
   * Counts an attempt before doing the costly work, and throws when it is over the limit: unlike
   * check-then-hit, many attempts sent at once cannot all slip through before the first is counted.
   */
  consume(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** Attempts counted against `key` in the current window. */
  count(key: string): Promise<number>;
  /** Seconds until `key` is free again, or 0 when it is not blocked. */
  blockedFor(key: string): Promise<number>;
}

export function createRateLimiter(store: KeyValueStore, name: string, rule: LimitRule): RateLimiter {
  const counterKey = (key: string) => `rl:${name}:count:${key}`;
  const blockKey = (key: string) => `rl:${name}:block:${key}`;
  const blockedFor = async (key: string) => {
    const until = await store.get(blockKey(key));
    return until === null ? 0 : Math.max(1, Math.ceil((Number(until) - Date.now()) / 1000));
  };
  return {
    async check(key) {
      const retryAfterSeconds = await blockedFor(key);
      if (retryAfterSeconds > 0) throw new RateLimitedError('Too many attempts; try again later', retryAfterSeconds);
    },
    blockedFor,
    async count(key) {
      return Number((await store.get(counterKey(key))) ?? 0);
    },
    async hit(key) {
      const { count, resetMs } = await store.increment(counterKey(key), rule.windowMs);
      if (count >= rule.max) {
        await store.set(blockKey(key), String(Date.now() + resetMs), Math.max(resetMs, 1));
      }
    },
    async consume(key) {
      const { count, resetMs } = await store.increment(counterKey(key), rule.windowMs);
      if (count <= rule.max) return;
      await store.set(blockKey(key), String(Date.now() + resetMs), Math.max(resetMs, 1));
      throw new RateLimitedError('Too many attempts; try again later', Math.max(1, Math.ceil(resetMs / 1000)));
    },
    async reset(key) {
      await Promise.all([store.delete(counterKey(key)), store.delete(blockKey(key))]);
    },
  };
}
