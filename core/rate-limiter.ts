// Fixed-window failure limiter on the key/value store: after `max` failures within `windowMs`, the key
// is blocked until the window ends. Used for logins (per account and per IP) and registrations.
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
}

export function createRateLimiter(store: KeyValueStore, name: string, rule: LimitRule): RateLimiter {
  const counterKey = (key: string) => `rl:${name}:count:${key}`;
  const blockKey = (key: string) => `rl:${name}:block:${key}`;
  return {
    async check(key) {
      const until = await store.get(blockKey(key));
      if (until === null) return;
      const retryAfterSeconds = Math.max(1, Math.ceil((Number(until) - Date.now()) / 1000));
      throw new RateLimitedError('Too many attempts; try again later', retryAfterSeconds);
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
