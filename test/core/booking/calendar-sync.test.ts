// The booking module with Google Calendar, built the way compose.ts builds it, over the run's database and
// the fake Google over HTTP: which busy time counts, what listeners hear when the owner changes an event
// in Google, one sync per calendar at a time across processes, and the repeating sync through the job queue.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createBookingModule, type BookingModule } from '../../../core/booking/booking-module.ts';
import type { BookingChange } from '../../../core/booking/booking-hooks.ts';
import { ownersBusy, subtractIntervals } from '../../../core/booking/calendar-busy.ts';
import { createSecretBox } from '../../../core/crypto/secret-box.ts';
import {
  createCalendarConnections,
  type CalendarConnections,
} from '../../../core/integrations/calendar-connections.ts';
import type { JobQueue } from '../../../core/ports/job-queue.ts';
import { BullMQJobQueue } from '../../../infra/bullmq-job-queue.ts';
import { eventIdFor, createGoogleCalendarProviders } from '../../../infra/google-calendar-provider.ts';
import { createLogger } from '../../../infra/logger.ts';
import { MemoryJobQueue } from '../../../infra/memory-job-queue.ts';
import { startFakeGoogle, type FakeGoogle, type ServiceAccountKeyFile } from '../../fakes/google-server.ts';
import { testDatabase } from '../../setup.ts';
import { TEN_TO_EIGHT } from '../../support/booking.ts';
import { eventually } from '../../support/eventually.ts';
import { MONDAY_MORNING, tuesdayAt } from '../../support/google-booking.ts';
import { TEST_ENCRYPTION_KEY } from '../../support/test-system.ts';
import { createTestStore, type TestStore } from '../../support/test-store.ts';

describe('core/booking/calendar-busy: which of the calendar’s busy time counts', () => {
  const span = (start: number, end: number) => ({ start, end });

  it('takes intervals out of others, merging and splitting as needed', () => {
    expect(subtractIntervals([span(0, 10)], [span(2, 4), span(6, 8)])).to.deep.equal([
      span(0, 2),
      span(4, 6),
      span(8, 10),
    ]);
    expect(subtractIntervals([span(5, 7), span(0, 3), span(2, 4)], [span(3, 6)])).to.deep.equal([
      span(0, 3),
      span(6, 7),
    ]);
    expect(subtractIntervals([span(0, 10)], [span(0, 10)])).to.deep.equal([]);
    expect(subtractIntervals([span(0, 10)], [])).to.deep.equal([span(0, 10)]);
  });

  it("frees a booking's own time, but never time the owner's own event covers too", () => {
    // freeBusy merged a booking (10–11) with the owner's event (10:30–12): only 10–10:30 was ours alone.
    expect(ownersBusy([span(10, 12)], [span(10, 11)], [span(10.5, 12)])).to.deep.equal([span(10.5, 12)]);
    expect(ownersBusy([span(10, 11)], [span(10, 11)], [])).to.deep.equal([]);
    expect(ownersBusy([span(9, 10)], [span(10, 11)], [])).to.deep.equal([span(9, 10)]);
  });
});

interface Harness {
  module: BookingModule;
  calendars: CalendarConnections;
  queue: JobQueue;
  heard: (BookingChange & { event: string })[];
}

describe('core/booking/calendar-sync: the owner’s changes in Google', function () {
  this.timeout(30_000);
  let fake: FakeGoogle;
  let key: ServiceAccountKeyFile;
  const harnesses: Harness[] = [];
  const stores: TestStore[] = [];

  /** The run's store: Redis under a prefix of its own with REDIS_URL (the lease and the job queue live there). */
  function sharedStore(): TestStore {
    const store = createTestStore();
    stores.push(store);
    return store;
  }

  before(async () => {
    fake = await startFakeGoogle();
    key = fake.createServiceAccount();
  });
  after(async () => {
    for (const h of harnesses) await h.queue.close();
    for (const store of stores) await store.dispose();
    await fake?.close();
  });

  /** One "process": its own booking module, queue and listeners over the shared database and `store`. */
  async function startProcess(shared: TestStore, sync = { intervalMs: 0, freshMs: 30_000 }): Promise<Harness> {
    const { store } = shared;
    const { db } = await testDatabase();
    const secretBox = createSecretBox(TEST_ENCRYPTION_KEY);
    const logger = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
    const calendars = createCalendarConnections({
      db: db.knex,
      store,
      secretBox,
      providers: createGoogleCalendarProviders({
        apiRoot: fake.url,
        serviceAccount: {
          clientEmail: key.client_email,
          privateKey: key.private_key,
          privateKeyId: key.private_key_id,
          tokenUri: key.token_uri,
        },
        timeoutMs: 5000,
        retry: { baseDelayMs: 1, maxDelayMs: 5 },
      }),
      serviceAccountEmail: key.client_email,
    });
    const queue: JobQueue = process.env.REDIS_URL
      ? new BullMQJobQueue({ url: process.env.REDIS_URL, prefix: `${shared.prefix}bull`, logger })
      : new MemoryJobQueue(logger);
    const heard: Harness['heard'] = [];
    const listener = {
      booked: async (change: BookingChange) => void heard.push({ ...change, event: 'booked' }),
      moved: async (change: BookingChange) => void heard.push({ ...change, event: 'moved' }),
      cancelled: async (change: BookingChange) => void heard.push({ ...change, event: 'cancelled' }),
    };
    const module = createBookingModule({
      db: db.knex,
      secretBox,
      queue,
      logger,
      reminderSender: { send: async () => {} },
      calendars,
      store,
      calendarSync: sync,
      listeners: [listener],
      now: () => MONDAY_MORNING,
    });
    const harness = { module, calendars, queue, heard };
    harnesses.push(harness);
    return harness;
  }

  /** An owner with Berlin hours, a service and a connected calendar; returns what booking needs. */
  async function owner(h: Harness) {
    const { db } = await testDatabase();
    const [row] = await db
      .knex('owners')
      .insert({ email: `sync-${randomBytes(4).toString('hex')}@example.com`, password_hash: 'x', salon_name: 'Lotus' })
      .returning<{ id: string }[]>('id');
    const ownerId = row!.id;
    await h.module.settings.update(ownerId, { timezone: 'Europe/Berlin', hours: TEN_TO_EIGHT as never });
    const service = await h.module.services.create(ownerId, { name: 'Haircut', duration_minutes: 60 });
    const calendar = `sync-${randomBytes(4).toString('hex')}@example.com`;
    fake.addUser(calendar, { timeZone: 'Europe/Berlin' });
    fake.share(calendar, key.client_email, 'writer');
    await h.calendars.connectServiceAccount(ownerId, calendar);
    const [connected] = await h.calendars.connected(ownerId);
    return { ownerId, serviceId: service.id, calendar, connected: connected! };
  }

  const listings = (calendar: string) =>
    fake.calls.filter((c) => c.operation === 'calendar.events.list' && c.path.includes(encodeURIComponent(calendar)))
      .length;

  it('tells listeners of a move and a deletion made in Google as the owner’s changes, without writing back', async () => {
    const h = await startProcess(sharedStore());
    const o = await owner(h);
    const booked = await h.module.bookings.book(
      { kind: 'customer', ownerId: o.ownerId, channel: 'telegram', chatRef: '77' },
      { serviceId: o.serviceId, start: tuesdayAt(10), customerName: 'Maria' },
    );
    expect(await h.module.calendarSync?.sync(o.connected)).to.equal('synced');
    h.heard.length = 0;
    const patchesBefore = fake.calls.filter((c) => c.operation === 'calendar.events.patch').length;

    fake.moveEvent(o.calendar, eventIdFor(booked.id), tuesdayAt(13), tuesdayAt(14));
    await h.module.calendarSync?.sync(o.connected);
    expect(h.heard.map((c) => [c.event, c.origin, c.actor.kind])).to.deep.equal([['moved', 'calendar', 'owner']]);
    expect(h.heard[0]?.previous?.startsAt.getTime()).to.equal(tuesdayAt(10).getTime());
    expect(h.heard[0]?.booking.startsAt.getTime()).to.equal(tuesdayAt(13).getTime());
    expect(h.heard[0]?.booking.chatRef).to.equal('77');

    fake.deleteEvent(o.calendar, eventIdFor(booked.id));
    await h.module.calendarSync?.sync(o.connected);
    expect(h.heard).to.have.length(2);
    expect(h.heard[1]).to.deep.include({
      event: 'cancelled',
      origin: 'calendar',
      serviceName: 'Haircut',
      timeZone: 'Europe/Berlin',
    });
    expect(h.heard[1]?.booking.status).to.equal('cancelled');
    // The calendar already showed both: nothing was written back.
    expect(fake.calls.filter((c) => c.operation === 'calendar.events.patch').length).to.equal(patchesBefore);
    expect(fake.events(o.calendar)).to.deep.equal([]);
  });

  it('lets one process at a time sync a calendar: the other is told it is busy and lists nothing', async () => {
    const store = sharedStore();
    const one = await startProcess(store);
    const two = await startProcess(store);
    const o = await owner(one);
    const before = listings(o.calendar);
    const results = await Promise.all([
      one.module.calendarSync?.sync(o.connected),
      two.module.calendarSync?.sync(o.connected),
    ]);
    expect(results.sort()).to.deep.equal(['busy', 'synced']);
    expect(listings(o.calendar) - before).to.equal(1);
  });

  it('syncs on its own through the job queue: a deletion in Google cancels the booking with no request made', async () => {
    const h = await startProcess(sharedStore(), { intervalMs: 200, freshMs: 30_000 });
    const o = await owner(h);
    const booked = await h.module.bookings.book(
      { kind: 'owner', ownerId: o.ownerId },
      { serviceId: o.serviceId, start: tuesdayAt(15), customerName: 'Olga' },
    );
    await h.module.calendarSync?.start();
    fake.deleteEvent(o.calendar, eventIdFor(booked.id));
    const cancelled = await eventually(
      async () => (await h.module.bookings.get(o.ownerId, booked.id)).status === 'cancelled',
      10_000,
      'the repeating sync to cancel the booking',
    );
    expect(cancelled).to.equal(true);
    expect(h.heard.filter((c) => c.origin === 'calendar').map((c) => c.event)).to.deep.equal(['cancelled']);
  });
});
