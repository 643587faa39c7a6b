// A key/value store for one test run: Redis under a random prefix when REDIS_URL is set, else in-process.
import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '../../core/ports/key-value-store.ts';
import { MemoryKeyValueStore } from '../../infra/memory-key-value-store.ts';
import { RedisKeyValueStore } from '../../infra/redis-key-value-store.ts';

export interface TestStore {
  store: KeyValueStore;
  prefix?: string;
  dispose(): Promise<void>;
}

export function createTestStore(): TestStore {
  const url = process.env.REDIS_URL;
  if (!url) {
    const store = new MemoryKeyValueStore();
    return { store, dispose: () => store.close() };
  }
  const prefix = `frontdesk-test:${randomUUID()}:`;
  const store = new RedisKeyValueStore({ url, keyPrefix: prefix });
  return {
    store,
    prefix,
    async dispose() {
      await store.clearPrefix();
      await store.close();
    },
  };
}
