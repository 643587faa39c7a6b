// The embedded default's job queue: jobs run in this process, one at a time per name, in order.
import type { EnqueueOptions, JobHandler, JobQueue } from '../core/ports/job-queue.ts';
import type { Logger } from 'pino';

export class MemoryJobQueue implements JobQueue {
  readonly kind = 'memory' as const;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly waiting = new Map<string, { payload: Record<string, string>; jobId?: string }[]>();
  private readonly active = new Set<string>();
  private readonly queuedIds = new Set<string>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private running = Promise.resolve();
  private closed = false;

  constructor(private readonly logger?: Logger) {}

  process(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
    this.pump(name);
  }

  async enqueue(
    name: string,
    payload: Record<string, string>,
    jobId?: string,
    options: EnqueueOptions = {},
  ): Promise<void> {
    if (this.closed) throw new Error('job queue is closed');
    if (jobId && this.queuedIds.has(jobId)) return;
    if (jobId) this.queuedIds.add(jobId);
    const delayMs = options.delayMs ?? 0;
    if (delayMs > 0) {
      // A delayed job lives only in this process's memory: a restart of the embedded default loses it.
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        this.push(name, payload, jobId);
      }, delayMs);
      timer.unref();
      this.delayed.add(timer);
      return;
    }
    this.push(name, payload, jobId);
  }

  private push(name: string, payload: Record<string, string>, jobId: string | undefined): void {
    if (this.closed) return;
    const list = this.waiting.get(name) ?? [];
    list.push({ payload, jobId });
    this.waiting.set(name, list);
    this.pump(name);
  }

  private pump(name: string): void {
    const handler = this.handlers.get(name);
    const list = this.waiting.get(name);
    if (!handler || !list?.length || this.active.has(name) || this.closed) return;
    const job = list.shift()!;
    this.active.add(name);
    const run = (async () => {
      try {
        await handler(job.payload);
      } catch (error) {
        this.logger?.error({ err: error, job: name }, 'job failed');
      } finally {
        if (job.jobId) this.queuedIds.delete(job.jobId);
        this.active.delete(name);
        this.pump(name);
      }
    })();
    this.running = this.running.then(() => run);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    await this.running;
  }
}
