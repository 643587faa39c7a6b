// Model calls cost the owner money and the server time, so each owner gets a rate per minute and a
// number at once (MODEL_CALLS_PER_MINUTE, MODEL_CONCURRENCY). Both live in the key/value store, so
// they hold across every process of a deployment (Redis), not per process.
import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import { RateLimitedError } from '../errors.ts';

export interface ModelCallLimits {
  /** Model calls one owner may start per minute. */
  perMinute: number;
  /** Model calls of one owner running at once. */
  concurrency: number;
}

export const DEFAULT_MODEL_CALL_LIMITS: ModelCallLimits = { perMinute: 30, concurrency: 4 };

/** A held place for one model call; released when the call is over. */
export interface ModelCallPermit {
  release(): Promise<void>;
}

export interface ModelCallLimiter {
  /** A permit for one call now, or ModelBusyError saying when to try again. */
  acquire(ownerId: string): Promise<ModelCallPermit>;
}

/** The owner's model calls are at their limit; `retryAfterSeconds` says when a place is likely free. */
export class ModelBusyError extends RateLimitedError {}

export function createModelCallLimiter(
  store: KeyValueStore,
  limits: ModelCallLimits,
  options: {
    /** How long a call may hold its place at most (a process that dies mid-call frees it then). */
    slotTtlMs: number;
    /** When to try again after finding every place taken. */
    busyRetryMs?: number;
  },
): ModelCallLimiter {
  const busyRetrySeconds = Math.max(1, Math.ceil((options.busyRetryMs ?? 2000) / 1000));
  return {
    async acquire(ownerId) {
      const slots = `model-calls:running:${ownerId}`;
      const holder = randomUUID();
      if (!(await store.acquireSlot(slots, holder, limits.concurrency, options.slotTtlMs)))
        throw new ModelBusyError(
          `The assistant is already answering ${limits.concurrency} messages of this account at once; try again in a moment`,
          busyRetrySeconds,
        );
      const release = () => store.releaseSlot(slots, holder);
      try {
        const { count, resetMs } = await store.increment(`model-calls:minute:${ownerId}`, 60_000);
        if (count > limits.perMinute)
          throw new ModelBusyError(
            `The assistant may answer ${limits.perMinute} messages of this account per minute (MODEL_CALLS_PER_MINUTE); try again later`,
            Math.max(1, Math.ceil(resetMs / 1000)),
          );
      } catch (error) {
        await release();
        throw error;
      }
      return { release };
    },
  };
}
