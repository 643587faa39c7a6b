// One contract for every JobQueue, so the in-process default cannot drift from BullMQ on Redis.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pino from 'pino';
import type { JobQueue } from '../../core/ports/job-queue.ts';
import { BullMQJobQueue } from '../../infra/bullmq-job-queue.ts';
import { MemoryJobQueue } from '../../infra/memory-job-queue.ts';

/** Records the payloads a handler saw and lets a test await the n-th one instead of sleeping. */
class Ran {
  readonly payloads: Record<string, string>[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly handler = async (payload: Record<string, string>): Promise<void> => {
    this.payloads.push(payload);
    for (const waiter of this.waiters.filter((w) => this.payloads.length >= w.count)) waiter.resolve();
    this.waiters = this.waiters.filter((w) => this.payloads.length < w.count);
  };

  until(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.payloads.length >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ran only ${JSON.stringify(this.payloads)}`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

function describeJobQueueContract(name: string, create: () => JobQueue): void {
  describe(`JobQueue contract: ${name}`, () => {
    let queue: JobQueue;
    beforeEach(() => {
      queue = create();
    });
    afterEach(async () => {
      await queue.close();
    });

    it('runs an enqueued job with its payload', async () => {
      const ran = new Ran();
      queue.process('contract-run', ran.handler);
      await queue.enqueue('contract-run', { hello: 'world' });
      await ran.until(1);
      expect(ran.payloads).to.deep.equal([{ hello: 'world' }]);
    });

    it('runs a delayed job later, after a job queued after it without a delay', async () => {
      const ran = new Ran();
      queue.process('contract-delay', ran.handler);
      await queue.enqueue('contract-delay', { which: 'delayed' }, undefined, { delayMs: 300 });
      await queue.enqueue('contract-delay', { which: 'now' });
      await ran.until(2);
      expect(ran.payloads.map((p) => p['which'])).to.deep.equal(['now', 'delayed']);
    });

    it('does not queue the same job id twice while it waits', async () => {
      const ran = new Ran();
      await queue.enqueue('contract-once', { n: '1' }, 'same-id', { delayMs: 200 });
      await queue.enqueue('contract-once', { n: '2' }, 'same-id', { delayMs: 200 });
      await queue.enqueue('contract-once', { n: 'last' }, undefined, { delayMs: 400 });
      queue.process('contract-once', ran.handler);
      await ran.until(2);
      expect(ran.payloads.map((p) => p['n'])).to.deep.equal(['1', 'last']);
    });
  });
}

describeJobQueueContract('in-process', () => new MemoryJobQueue(pino({ level: 'silent' })));
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  describeJobQueueContract(
    'BullMQ on Redis',
    () => new BullMQJobQueue({ url, prefix: `frontdesk-test-${randomUUID()}`, logger: pino({ level: 'silent' }) }),
  );
}
