// The small set of Redis duties the product needs, so the embedded default can run them in-process
// and production can share them across processes through Redis.

/** Called with each message published on a channel this process subscribed to. */
export type MessageHandler = (message: string) => void;

export interface KeyValueStore {
  /** Which implementation this is, for /health ("redis" or "memory"). */
  readonly kind: 'redis' | 'memory';

  get(key: string): Promise<string | null>;
  /** Stores a value; with `ttlMs` it disappears after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores only when the key is absent; true when it stored. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<void>;

  /**
   * Fixed-window counter for rate limits: adds one and returns the new count and the milliseconds
   * until the window ends. The window (`windowMs`) starts with the first increment after the key
   * was absent; later increments do not extend it.
   */
  increment(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;

  /**
   * A lease held by `holder` for `ttlMs`: true when the caller now holds it (it was free, expired,
   * or already the caller's, in which case it is renewed). Another holder's live lease is never taken.
   */
  acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease only if `holder` still holds it. */
  releaseLease(key: string, holder: string): Promise<void>;

  /**
   * A counting semaphore: takes one of `limit` slots of `key` for `holder` for `ttlMs` (a holder that
   * dies frees its slot when the time runs out). True when the caller now holds a slot (a holder that
   * already holds one has it renewed); false when all are taken. Across processes with Redis.
   */
  acquireSlot(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean>;
  /** Gives `holder`'s slot back at once. */
  releaseSlot(key: string, holder: string): Promise<void>;

  /**
   * Marks `member` alive in `group` for `ttlMs` (renewing it) and returns how many members are alive,
   * this one included: how processes that share work learn how many they are.
   */
  heartbeat(group: string, member: string, ttlMs: number): Promise<number>;
  /** Removes `member` from `group` at once (a process that stops). */
  leave(group: string, member: string): Promise<void>;

  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes this handler. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;

  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
