// The main thread's end of the outside world (world.ts): starts its worker thread and calls it.
import { Worker } from 'node:worker_threads';
import type { Rpc, RpcAnswer, WorldData, WorldInfo } from './protocol.ts';

export class WorldClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  telegramUrl = '';
  openaiUrl = '';
  openaiKey = '';

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: RpcAnswer) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`world: ${message.error}`));
    });
    worker.on('error', (error) => {
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    });
  }

  static async start(modelMs: number): Promise<WorldClient> {
    // tsx's loader is not inherited by worker threads on Node 20: register it first, then load the world.
    const world = new URL('./world.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(world)}); })`;
    const data: WorldData = { role: 'bench-telegram-world', modelMs };
    const client = new WorldClient(new Worker(boot, { eval: true, workerData: data }));
    await new Promise<void>((resolve, reject) => {
      client.waiting.set(0, { resolve: () => resolve(), reject });
    });
    Object.assign(client, await client.call<WorldInfo>({ method: 'info' }));
    return client;
  }

  call<T>(rpc: Rpc, timeoutMs?: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = timeoutMs
        ? setTimeout(() => {
            this.waiting.delete(id);
            reject(new Error(`world: no answer to ${rpc.method} within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.worker.postMessage({ id, rpc });
    });
  }

  async close(): Promise<void> {
    await this.call({ method: 'close' }, 10_000).catch((error: unknown) =>
      console.error(`[bench:telegram] the fakes did not close cleanly: ${String(error)}`),
    );
    await this.worker.terminate();
  }
}
