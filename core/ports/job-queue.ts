// Background jobs: BullMQ on Redis in production (each job runs once, in any worker process), an
// in-process queue on the embedded default.

export type JobHandler = (payload: Record<string, string>) => Promise<void>;

export interface EnqueueOptions {
  delayMs?: number;
}

export interface JobQueue {
  readonly kind: 'bullmq' | 'memory';
  /** Registers the handler for a job name; only processes in the `worker` (or `all`) role call this. */
  process(name: string, handler: JobHandler): void;
  /**
   * `jobId` makes enqueueing idempotent: the same id is not queued twice while it waits or runs.
   * `delayMs` runs the job no earlier than that many milliseconds from now (a retry, a reminder).
   */
  enqueue(name: string, payload: Record<string, string>, jobId?: string, options?: EnqueueOptions): Promise<void>;
  /** Stops taking jobs and waits for running ones. */
  close(): Promise<void>;
}
