// Jobs on Redis through BullMQ: each job runs once, in whichever worker process takes it, and
// survives a restart of the process that queued it.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EnqueueOptions, JobHandler, JobQueue } from '../core/ports/job-queue.ts';

export interface BullMQJobQueueOptions {
  url: string;
  /** BullMQ's key prefix: deployments (and test runs) sharing one Redis stay apart. */
  prefix?: string;
  logger?: Logger;
}

export class BullMQJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];

  constructor(private readonly options: BullMQJobQueueOptions) {}

  private connection(): Redis {
    // BullMQ requires maxRetriesPerRequest: null, or blocking commands fail while Redis reconnects.
    const connection = new Redis(this.options.url, { maxRetriesPerRequest: null });
    connection.on('error', (error) => this.options.logger?.warn({ err: error }, 'job queue connection error'));
    this.connections.push(connection);
    return connection;
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection(), prefix: this.options.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  process(name: string, handler: JobHandler): void {
    const worker = new Worker(name, async (job) => handler(job.data as Record<string, string>), {
      connection: this.connection(),
      prefix: this.options.prefix,
      concurrency: 2,
    });
    worker.on('failed', (job, error) =>
      this.options.logger?.error({ err: error, job: name, jobId: job?.id }, 'job failed'),
    );
    worker.on('error', (error) => this.options.logger?.warn({ err: error, job: name }, 'job worker error'));
    this.workers.push(worker);
  }

  async enqueue(
    name: string,
    payload: Record<string, string>,
    jobId?: string,
    options: EnqueueOptions = {},
  ): Promise<void> {
    await this.queue(name).add(name, payload, {
      ...(jobId ? { jobId: jobId.replace(/:/g, '-') } : {}),
      ...(options.delayMs && options.delayMs > 0 ? { delay: Math.round(options.delayMs) } : {}),
      attempts: 1,
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await Promise.all(
      this.connections.map((connection) =>
        connection.quit().catch((error: unknown) => {
          this.options.logger?.debug({ err: error }, 'job queue connection did not quit cleanly; disconnecting');
          connection.disconnect();
        }),
      ),
    );
  }
}
