// One contract for every KeyValueStore, so the in-memory default cannot drift from Redis behaviour.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import type { KeyValueStore, MessageHandler } from '../../core/ports/key-value-store.ts';
import { MemoryKeyValueStore } from '../../infra/memory-key-value-store.ts';
import { RedisKeyValueStore } from '../../infra/redis-key-value-store.ts';

interface Harness {
  store: KeyValueStore;
  cleanup(): Promise<void>;
}

/** Polls a condition with a deadline; used for expiry, which has no event to await. */
async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Collects messages and lets a test await the n-th one instead of sleeping. */
class Inbox {
  readonly messages: string[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly handler: MessageHandler = (message) => {
    this.messages.push(message);
    for (const waiter of this.waiters.filter((w) => this.messages.length >= w.count)) waiter.resolve();
    this.waiters = this.waiters.filter((w) => this.messages.length < w.count);
  };

  until(count: number, timeoutMs = 3_000): Promise<void> {
    if (this.messages.length >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got only ${JSON.stringify(this.messages)}`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

function describeKeyValueStoreContract(name: string, kind: KeyValueStore['kind'], create: () => Harness): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let harness: Harness;
    let store: KeyValueStore;

    beforeEach(() => {
      harness = create();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('reports its kind and answers ping', async () => {
      expect(store.kind).to.equal(kind);
      await store.ping();
    });

    it('gets, sets, overwrites and deletes values', async () => {
      expect(await store.get('missing')).to.equal(null);
      await store.set('k', 'one');
      expect(await store.get('k')).to.equal('one');
      await store.set('k', 'two');
      expect(await store.get('k')).to.equal('two');
      await store.delete('k');
      expect(await store.get('k')).to.equal(null);
      await store.delete('never-existed');
    });

    it('expires a value after its TTL', async () => {
      await store.set('k', 'v', 80);
      expect(await store.get('k')).to.equal('v');
      await waitFor(async () => (await store.get('k')) === null, 'k to expire');
    });

    it('drops an earlier TTL when a value is set again without one', async () => {
      await store.set('k', 'v', 50);
      await store.set('k', 'kept');
      // The marker is set later with the same TTL, so once it is gone the old expiry of k has passed too.
      await store.set('marker', 'x', 50);
      await waitFor(async () => (await store.get('marker')) === null, 'marker to expire');
      expect(await store.get('k')).to.equal('kept');
    });

    it('setIfAbsent stores only when the key is absent or expired', async () => {
      expect(await store.setIfAbsent('k', 'first')).to.equal(true);
      expect(await store.setIfAbsent('k', 'second')).to.equal(false);
      expect(await store.get('k')).to.equal('first');

      expect(await store.setIfAbsent('t', 'short', 60)).to.equal(true);
      expect(await store.setIfAbsent('t', 'other', 60)).to.equal(false);
      await waitFor(async () => (await store.get('t')) === null, 't to expire');
      expect(await store.setIfAbsent('t', 'again')).to.equal(true);
      expect(await store.get('t')).to.equal('again');
    });

    it('increments within a fixed window that later increments do not extend', async () => {
      const first = await store.increment('hits', 5_000);
      expect(first.count).to.equal(1);
      expect(first.resetMs).to.be.greaterThan(0).and.at.most(5_000);
      const second = await store.increment('hits', 5_000);
      expect(second.count).to.equal(2);
      expect(second.resetMs).to.be.at.most(first.resetMs);
      expect((await store.increment('other', 5_000)).count).to.equal(1);
      expect((await store.increment('hits', 5_000)).count).to.equal(3);
    });

    it('starts a new window once the previous one has ended', async () => {
      await store.increment('hits', 80);
      expect((await store.increment('hits', 80)).count).to.equal(2);
      await waitFor(async () => (await store.get('hits')) === null, 'window to end');
      const fresh = await store.increment('hits', 80);
      expect(fresh.count).to.equal(1);
      expect(fresh.resetMs).to.be.greaterThan(0).and.at.most(80);
    });

    it('grants a lease to one holder at a time and renews it for that holder', async () => {
      expect(await store.acquireLease('lease', 'a', 60)).to.equal(true);
      expect(await store.acquireLease('lease', 'b', 5_000)).to.equal(false);
      expect(await store.acquireLease('lease', 'a', 10_000)).to.equal(true);
      // Outlive the original 60 ms; the renewed lease must still keep b out.
      await store.set('marker', 'x', 60);
      await waitFor(async () => (await store.get('marker')) === null, 'marker to expire');
      expect(await store.acquireLease('lease', 'b', 5_000)).to.equal(false);
    });

    it('releases a lease only for its holder', async () => {
      await store.acquireLease('lease', 'a', 5_000);
      await store.releaseLease('lease', 'b');
      expect(await store.acquireLease('lease', 'b', 5_000)).to.equal(false);
      await store.releaseLease('lease', 'a');
      expect(await store.acquireLease('lease', 'b', 5_000)).to.equal(true);
      await store.releaseLease('free', 'a');
    });

    it('lets another holder take over an expired lease', async () => {
      expect(await store.acquireLease('lease', 'a', 80)).to.equal(true);
      expect(await store.acquireLease('lease', 'b', 5_000)).to.equal(false);
      await waitFor(() => store.acquireLease('lease', 'b', 5_000), 'b to take over the lease');
      expect(await store.acquireLease('lease', 'a', 5_000)).to.equal(false);
    });

    it('counts the live members of a group: a heartbeat renews one, leaving or running out removes it', async () => {
      expect(await store.heartbeat('workers', 'a', 5_000)).to.equal(1);
      expect(await store.heartbeat('workers', 'b', 80)).to.equal(2);
      expect(await store.heartbeat('workers', 'a', 5_000), 'a renewed, not counted twice').to.equal(2);
      expect(await store.heartbeat('others', 'a', 5_000), 'groups are apart').to.equal(1);
      await waitFor(async () => (await store.heartbeat('workers', 'a', 5_000)) === 1, 'b to run out');
      expect(await store.heartbeat('workers', 'c', 5_000)).to.equal(2);
      await store.leave('workers', 'a');
      expect(await store.heartbeat('workers', 'c', 5_000)).to.equal(1);
      await store.leave('workers', 'nobody');
      await store.leave('nothing', 'a');
      let refused: unknown;
      await store.heartbeat('workers', 'c', 0).catch((error: unknown) => (refused = error));
      expect(refused, 'a heartbeat without a lifetime').to.be.instanceOf(RangeError);
    });

    it('hands out at most `limit` slots of a semaphore, renews a holder, and frees a slot on release or expiry', async () => {
      expect(await store.acquireSlot('sem', 'a', 2, 5_000)).to.equal(true);
      expect(await store.acquireSlot('sem', 'b', 2, 80)).to.equal(true);
      expect(await store.acquireSlot('sem', 'c', 2, 5_000), 'both slots taken').to.equal(false);
      expect(await store.acquireSlot('sem', 'a', 2, 5_000), 'a holder renews its own slot').to.equal(true);
      expect(await store.acquireSlot('other', 'c', 2, 5_000), 'semaphores are apart').to.equal(true);
      await waitFor(() => store.acquireSlot('sem', 'c', 2, 5_000), "b's slot to run out");
      expect(await store.acquireSlot('sem', 'd', 2, 5_000)).to.equal(false);
      await store.releaseSlot('sem', 'a');
      expect(await store.acquireSlot('sem', 'd', 2, 5_000), "a's slot after its release").to.equal(true);
      await store.releaseSlot('sem', 'nobody');
      await store.releaseSlot('nothing', 'a');
    });

    it('never hands out more slots than the limit to many holders asking at once', async () => {
      const granted = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.acquireSlot('busy', `holder-${i}`, 3, 5_000)),
      );
      expect(granted.filter(Boolean)).to.have.length(3);
    });

    it('delivers each message asynchronously to every subscriber, in order', async () => {
      const first = new Inbox();
      const second = new Inbox();
      await store.subscribe('events', first.handler);
      await store.subscribe('events', second.handler);
      const published = store.publish('events', 'one');
      expect(first.messages, 'delivered inside publish').to.deep.equal([]);
      await published;
      await store.publish('events', 'two');
      await Promise.all([first.until(2), second.until(2)]);
      expect(first.messages).to.deep.equal(['one', 'two']);
      expect(second.messages).to.deep.equal(['one', 'two']);
    });

    it('keeps channels apart', async () => {
      const a = new Inbox();
      const b = new Inbox();
      await store.subscribe('a', a.handler);
      await store.subscribe('b', b.handler);
      await store.publish('a', 'for-a');
      await store.publish('b', 'for-b');
      await Promise.all([a.until(1), b.until(1)]);
      expect(a.messages).to.deep.equal(['for-a']);
      expect(b.messages).to.deep.equal(['for-b']);
    });

    it('stops delivering to a handler once it unsubscribes, and only to that one', async () => {
      const leaving = new Inbox();
      const staying = new Inbox();
      const unsubscribe = await store.subscribe('events', leaving.handler);
      await store.subscribe('events', staying.handler);
      await store.publish('events', 'one');
      await Promise.all([leaving.until(1), staying.until(1)]);
      await unsubscribe();
      await unsubscribe();
      await store.publish('events', 'two');
      // Both handlers are called from the same dispatch, so once staying has it, leaving would have too.
      await staying.until(2);
      expect(leaving.messages).to.deep.equal(['one']);
    });

    it('subscribes again after every handler has left a channel', async () => {
      const before = new Inbox();
      const unsubscribe = await store.subscribe('events', before.handler);
      await unsubscribe();
      await store.publish('events', 'nobody listens');
      const after = new Inbox();
      await store.subscribe('events', after.handler);
      await store.publish('events', 'back');
      await after.until(1);
      expect(after.messages).to.deep.equal(['back']);
      expect(before.messages).to.deep.equal([]);
    });
  });
}

describeKeyValueStoreContract('memory', 'memory', () => {
  const store = new MemoryKeyValueStore();
  return { store, cleanup: () => store.close() };
});

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  const createRedis = (keyPrefix = `test:${randomUUID()}:`): RedisKeyValueStore =>
    new RedisKeyValueStore({ url: redisUrl, keyPrefix });
  const cleanUp = async (store: RedisKeyValueStore): Promise<void> => {
    await store.clearPrefix();
    await store.close();
  };

  describeKeyValueStoreContract('redis', 'redis', () => {
    const store = createRedis();
    return { store, cleanup: () => cleanUp(store) };
  });

  describe('RedisKeyValueStore', () => {
    it('shares keys and messages between stores with the same prefix', async () => {
      const prefix = `test:${randomUUID()}:`;
      const [writer, reader] = [createRedis(prefix), createRedis(prefix)];
      try {
        await writer.set('k', 'v');
        expect(await reader.get('k')).to.equal('v');
        const inbox = new Inbox();
        await reader.subscribe('events', inbox.handler);
        await writer.publish('events', 'across');
        await inbox.until(1);
        expect(inbox.messages).to.deep.equal(['across']);
      } finally {
        await Promise.all([cleanUp(writer), reader.close()]);
      }
    });

    it('isolates prefixes, and clearPrefix removes only its own keys', async () => {
      const [mine, theirs] = [createRedis(), createRedis()];
      try {
        await mine.set('k', 'mine');
        await theirs.set('k', 'theirs');
        expect(await mine.get('k')).to.equal('mine');
        await mine.clearPrefix();
        expect(await mine.get('k')).to.equal(null);
        expect(await theirs.get('k')).to.equal('theirs');
      } finally {
        await Promise.all([cleanUp(mine), cleanUp(theirs)]);
      }
    });

    it('rejects ping within a few seconds when nothing listens on the port', async () => {
      // Borrow a free port from the OS and give it back, so nothing is listening there.
      const server = createServer().listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));

      const store = new RedisKeyValueStore({ url: `redis://127.0.0.1:${port}` });
      const started = Date.now();
      try {
        let failure: unknown;
        await store.ping().catch((error: unknown) => (failure = error));
        expect(failure).to.be.instanceOf(Error);
        expect(Date.now() - started).to.be.below(5_000);
      } finally {
        await store.close();
      }
    });
  });
}
