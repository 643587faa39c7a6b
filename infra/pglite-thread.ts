// The main thread's handle on the PGlite running in a worker (infra/pglite-worker.mjs): the part of
// PGlite's interface knex-pglite uses (waitReady, query, close), each query a message to the worker.
import { Worker } from 'node:worker_threads';
import type { PGlite, QueryOptions, Results } from '@electric-sql/pglite';

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url);

type Reply = { id: number; result?: Results; error?: Record<string, unknown> & { message: string } };

/** PGlite's errors arrive as data; they become Errors with the same fields (code, detail, constraint…). */
function revive(data: Record<string, unknown> & { message: string }): Error {
  const { message, ...fields } = data;
  return Object.assign(new Error(message), fields);
}

export class PGliteThread {
  readonly waitReady: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(result: Results): void; reject(error: Error): void }>();
  private nextId = 1;
  private exited = false;
  #closed = false;

  /**
   * `dataDir`: the data directory (undefined: in memory). The worker starts at once and opens the directory
   * when `after` settles (a first start's copy of the template), whether it fulfils or not.
   */
  constructor(dataDir: string | undefined, { after }: { after?: Promise<unknown> } = {}) {
    this.worker = new Worker(WORKER_URL, { workerData: { dataDir } });
    const open = () => {
      if (!this.exited) this.worker.postMessage({ open: true });
    };
    if (after) after.then(open, open);
    else open();
    let failure: Error | undefined;
    this.waitReady = new Promise<void>((resolve, reject) => {
      const onReady = (message: { ready?: boolean; error?: Reply['error'] }) => {
        if (message.ready === undefined) return;
        this.worker.off('message', onReady);
        if (message.ready) resolve();
        else reject(revive(message.error ?? { message: 'the embedded database did not open' }));
      };
      this.worker.on('message', onReady);
      this.worker.once('exit', () =>
        reject(new Error('the embedded database stopped before it was ready', { cause: failure })),
      );
    });
    // Unobserved until knex asks for its connection; a failure is reported there.
    this.waitReady.catch(() => undefined);
    this.worker.on('message', (reply: Reply) => {
      const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error) waiter.reject(revive(reply.error));
      else waiter.resolve(reply.result as Results);
    });
    this.worker.on('error', (error) => {
      failure = error;
      this.failAll(error);
    });
    this.worker.once('exit', (code) => {
      this.exited = true;
      this.failAll(new Error(`the embedded database's thread exited (${code})`));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    if (this.#closed) return Promise.reject(new Error('PGlite is closed'));
    return this.send({ sql, params, options }) as Promise<Results<T>>;
  }

  /** Closes the database (a clean shutdown of Postgres in the worker), then ends the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opened = await this.waitReady.then(
      () => true,
      () => false,
    );
    try {
      if (opened && !this.exited) await this.send({ close: true });
    } finally {
      await this.worker.terminate();
    }
  }

  private send(message: Record<string, unknown>): Promise<Results> {
    const id = this.nextId++;
    return new Promise<Results>((resolve, reject) => {
      if (this.exited) return reject(new Error("the embedded database's thread has exited"));
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** What knex-pglite is handed in place of a PGlite: the same calls, answered by the worker. */
export const asPGlite = (thread: PGliteThread) => thread as unknown as PGlite;
