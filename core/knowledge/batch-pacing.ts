// Paces batches of database work on a large file (storing, indexing, deleting its chunks). On the embedded
// default every statement holds the thread that serves requests and the database's one connection, so a
// batch aims at a few tens of milliseconds whatever the machine and its load, and the next one waits as
// long again: the database is free for requests at least half the time.
import { setImmediate } from 'node:timers/promises';

export interface BatchSizeOptions {
  initial: number;
  min: number;
  max: number;
  /** How long one batch should take. */
  targetMs: number;
}

/** Sizes each batch by how long the last one took. */
export class AdaptiveBatchSize {
  private size: number;

  constructor(private readonly options: BatchSizeOptions) {
    this.size = options.initial;
  }

  /** How many items the next batch should hold. */
  get next(): number {
    return this.size;
  }

  /** Records that `count` items took `ms`; the next size moves halfway towards what meets the target. */
  record(count: number, ms: number): void {
    const { min, max, targetMs } = this.options;
    const ideal = ms > 0 ? (targetMs * Math.max(count, 1)) / ms : max;
    // Halfway, so one batch slowed by something else (a collection, another process) does not swing it.
    this.size = Math.min(max, Math.max(min, Math.round((this.size + ideal) / 2)));
  }
}

/** Called after each batch with how long it took; resolves when the next batch may start. */
export type Pacer = (batchMs: number) => Promise<void>;

/** A turn of the event loop only: for PostgreSQL, whose statements run elsewhere, over many connections. */
export const turnOfEventLoop: Pacer = async () => {
  await setImmediate();
};

/** As long again as the batch took (at most `maxMs`): for the embedded database, free half the time. */
export function halfTheTime(maxMs = 50): Pacer {
  return (batchMs) => new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(batchMs, 1), maxMs)));
}
