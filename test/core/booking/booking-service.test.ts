// The booking service as the customer flows will call it: with the customer's identity (owner,
// channel, chat), on the run's database (PGlite, or PostgreSQL with DATABASE_URL).
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createBookingModule, type BookingModule } from '../../../core/booking/booking-module.ts';
import type { Actor, BookingChange } from '../../../core/booking/booking-hooks.ts';
import { insertBooking } from '../../../core/booking/bookings.ts';
import { createSecretBox } from '../../../core/crypto/secret-box.ts';
import { NotFoundError, SlotTakenError, UnavailableError } from '../../../core/errors.ts';
import type { BusyInterval } from '../../../core/ports/calendar-provider.ts';
import { createLogger } from '../../../infra/logger.ts';
import { MemoryJobQueue } from '../../../infra/memory-job-queue.ts';
import { testDatabase } from '../../setup.ts';
import { TEN_TO_EIGHT } from '../../support/booking.ts';
import { TEST_ENCRYPTION_KEY } from '../../support/test-system.ts';

// Monday 2026-12-07, 08:00 in Berlin.
const NOW = new Date('2026-12-07T07:00:00Z');

interface Harness {
  db: Knex;
  ownerId: string;
  module: BookingModule;
  serviceId: string;
  queue: MemoryJobQueue;
  logs: string[];
  events: string[];
}

async function harness(
  options: {
    writers?: Parameters<typeof createBookingModule>[0]['writers'];
    listeners?: Parameters<typeof createBookingModule>[0]['listeners'];
    externalBusy?: (ownerId: string, staffId: string | null, from: Date, to: Date) => Promise<BusyInterval[]>;
  } = {},
): Promise<Harness> {
  const { db } = await testDatabase();
  const [owner] = await db
    .knex('owners')
    .insert({ email: `svc-${randomBytes(4).toString('hex')}@example.com`, password_hash: 'x', salon_name: 'Lotus' })
    .returning<{ id: string }[]>('id');
  const logs: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const queue = new MemoryJobQueue(logger);
  const events: string[] = [];
  const module = createBookingModule({
    db: db.knex,
    secretBox: createSecretBox(TEST_ENCRYPTION_KEY),
    queue,
    logger,
    reminderSender: { send: async () => {} },
    writers: options.writers,
    listeners: [
      {
        booked: async (change: BookingChange) => void events.push(`booked ${change.actor.kind} ${change.serviceName}`),
        moved: async (change: BookingChange) => void events.push(`moved ${change.previous?.startsAt.toISOString()}`),
        cancelled: async (change: BookingChange) => void events.push(`cancelled ${change.actor.kind}`),
      },
      ...(options.listeners ?? []),
    ],
    externalBusy: options.externalBusy,
    now: () => NOW,
  });
  await module.settings.update(owner!.id, {
    timezone: 'Europe/Berlin',
    slot_minutes: 30,
    min_notice_minutes: 60,
    horizon_days: 30,
    hours: TEN_TO_EIGHT as never,
  });
  const service = await module.services.create(owner!.id, { name: 'Haircut', duration_minutes: 60 });
  return { db: db.knex, ownerId: owner!.id, module, serviceId: service.id, queue, logs, events };
}

const customer = (h: Harness, chatRef: string): Actor => ({
  kind: 'customer',
  ownerId: h.ownerId,
  channel: 'telegram',
  chatRef,
});

async function refusal(promise: Promise<unknown>): Promise<SlotTakenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(SlotTakenError);
  return error as SlotTakenError;
}

describe('core/booking/booking-service: what the customer flows call', function () {
  // The first hook may create the run's database (PGlite migrations take seconds on a busy machine).
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.queue.close();
  });

  it('findSlots offers the nearest free times, one per time, and a date range', async () => {
    const nearest = await h.module.bookings.findSlots(customer(h, '1'), { serviceId: h.serviceId, nearest: 3 });
    expect(nearest.map((s) => s.start)).to.deep.equal([
      '2026-12-07T10:00:00+01:00',
      '2026-12-07T10:30:00+01:00',
      '2026-12-07T11:00:00+01:00',
    ]);
    const sunday = await h.module.bookings.findSlots(customer(h, '1'), {
      serviceId: h.serviceId,
      nearest: 2,
      after: new Date('2026-12-13T06:00:00Z'),
    });
    expect(
      sunday.map((s) => s.start),
      'Sunday is a day off',
    ).to.deep.equal(['2026-12-14T10:00:00+01:00', '2026-12-14T10:30:00+01:00']);
    const range = await h.module.bookings.findSlots(customer(h, '1'), {
      serviceId: h.serviceId,
      fromDate: '2026-12-08',
      toDate: '2026-12-09',
    });
    expect(range).to.have.length(38);
  });

  it('a customer books only an offered time: not off the grid, out of hours, too soon or beyond the horizon', async () => {
    const anna = customer(h, 'anna');
    const booked = await h.module.bookings.book(anna, {
      serviceId: h.serviceId,
      start: new Date('2026-12-08T09:00:00Z'),
      customerName: 'Anna',
      language: 'uk',
    });
    expect(booked).to.include({ start: '2026-12-08T10:00:00+01:00', source: 'customer', channel: 'telegram' });
    for (const start of [
      '2026-12-08T09:10:00Z', // off the 30-minute grid
      '2026-12-08T07:00:00Z', // 08:00, before opening
      '2026-12-08T18:30:00Z', // 19:30: a 60-minute service would end after closing
      '2026-12-13T10:00:00Z', // Sunday
      '2026-12-07T07:30:00Z', // 08:30 today: within the 60 minutes' notice
      '2027-01-20T10:00:00Z', // beyond the 30-day horizon
      '2026-12-08T09:00:00Z', // taken by Anna
    ]) {
      const error = await refusal(
        h.module.bookings.book(customer(h, 'other'), {
          serviceId: h.serviceId,
          start: new Date(start),
          customerName: 'X',
        }),
      );
      expect(error.status, start).to.equal(409);
    }
    const taken = await refusal(
      h.module.bookings.book(customer(h, 'other'), {
        serviceId: h.serviceId,
        start: new Date('2026-12-08T09:00:00Z'),
        customerName: 'X',
      }),
    );
    expect(taken.alternatives.map((s) => s.start)).to.deep.equal([
      '2026-12-08T11:00:00+01:00',
      '2026-12-08T11:30:00+01:00',
      '2026-12-08T12:00:00+01:00',
    ]);
    expect(h.events).to.deep.equal(['booked customer Haircut']);
  });

  it('a customer lists, moves and cancels only their own bookings; the owner may cancel any', async () => {
    const anna = customer(h, 'anna');
    const boris = customer(h, 'boris');
    const annas = await h.module.bookings.book(anna, {
      serviceId: h.serviceId,
      start: new Date('2026-12-08T09:00:00Z'),
      customerName: 'Anna',
    });
    const boriss = await h.module.bookings.book(boris, {
      serviceId: h.serviceId,
      start: new Date('2026-12-08T11:00:00Z'),
      customerName: 'Boris',
    });
    expect((await h.module.bookings.listMyBookings(anna as never)).map((b) => b.id)).to.deep.equal([annas.id]);
    const otherChannel: Actor = { kind: 'customer', ownerId: h.ownerId, channel: 'whatsapp', chatRef: 'anna' };
    expect(await h.module.bookings.listMyBookings(otherChannel as never)).to.deep.equal([]);
    for (const attempt of [
      h.module.bookings.cancel(boris, annas.id),
      h.module.bookings.move(boris, annas.id, { start: new Date('2026-12-09T09:00:00Z') }),
      h.module.bookings.cancel(otherChannel, annas.id),
    ])
      expect(await attempt.catch((e: unknown) => e)).to.be.instanceOf(NotFoundError);
    const moved = await h.module.bookings.move(anna, annas.id, { start: new Date('2026-12-08T09:30:00Z') });
    expect(moved.start, 'a move may overlap the booking’s own old time').to.equal('2026-12-08T10:30:00+01:00');
    const onto = await refusal(h.module.bookings.move(anna, annas.id, { start: new Date('2026-12-08T11:00:00Z') }));
    expect(onto.alternatives).to.have.length(3);
    const cancelled = await h.module.bookings.cancel(anna, annas.id);
    expect(cancelled.status).to.equal('cancelled');
    expect(await h.module.bookings.listMyBookings(anna as never)).to.deep.equal([]);
    const byOwner = await h.module.bookings.cancel({ kind: 'owner', ownerId: h.ownerId }, boriss.id);
    expect(byOwner.status).to.equal('cancelled');
    expect(h.events).to.deep.equal([
      'booked customer Haircut',
      'booked customer Haircut',
      'moved 2026-12-08T09:00:00.000Z',
      'cancelled customer',
      'cancelled owner',
    ]);
  });

  it('the database refuses an overlapping booking even when nothing read the calendar first', async () => {
    const base = {
      serviceId: h.serviceId,
      staffId: null,
      customerName: 'X',
      customerPhone: null,
      source: 'owner' as const,
      channel: null,
      chatRef: null,
      language: null,
    };
    const first = await insertBooking(h.db, h.ownerId, {
      ...base,
      startsAt: new Date('2026-12-10T09:00:00Z'),
      endsAt: new Date('2026-12-10T10:00:00Z'),
      blockedUntil: new Date('2026-12-10T10:15:00Z'),
    });
    expect(first).to.not.equal('taken');
    const inBuffer = await insertBooking(h.db, h.ownerId, {
      ...base,
      startsAt: new Date('2026-12-10T10:10:00Z'),
      endsAt: new Date('2026-12-10T11:00:00Z'),
      blockedUntil: new Date('2026-12-10T11:00:00Z'),
    });
    expect(inBuffer).to.equal('taken');
    const touching = await insertBooking(h.db, h.ownerId, {
      ...base,
      startsAt: new Date('2026-12-10T10:15:00Z'),
      endsAt: new Date('2026-12-10T11:00:00Z'),
      blockedUntil: new Date('2026-12-10T11:00:00Z'),
    });
    expect(touching).to.not.equal('taken');
  });

  it('many customers racing for one slot: exactly one gets it, the others get 409 with the nearest free times', async () => {
    const start = new Date('2026-12-09T13:00:00Z');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        h.module.bookings.book(customer(h, `racer-${i}`), { serviceId: h.serviceId, start, customerName: `R${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(refused).to.have.length(7);
    for (const reason of refused) {
      expect(reason).to.be.instanceOf(SlotTakenError);
      expect((reason as SlotTakenError).alternatives.map((s) => s.start)).to.deep.equal([
        '2026-12-09T12:30:00+01:00',
        '2026-12-09T13:00:00+01:00',
        '2026-12-09T15:00:00+01:00',
      ]);
    }
    const held = await h
      .db('bookings')
      .where({ owner_id: h.ownerId, status: 'confirmed' })
      .count<{ c: string }[]>({ c: '*' });
    expect(Number(held[0]!.c)).to.equal(1);
  });
});

describe('core/booking/booking-service: hooks and external busy time', function () {
  this.timeout(60_000);
  it('a calendar writer that fails undoes the booking, and the caller gets its error', async () => {
    const h = await harness({
      writers: [
        {
          booked: async () => {
            throw new UnavailableError('calendar down');
          },
        },
      ],
    });
    try {
      const error = await h.module.bookings
        .book(customer(h, 'c'), { serviceId: h.serviceId, start: new Date('2026-12-08T09:00:00Z'), customerName: 'C' })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnavailableError);
      const rows = await h.db('bookings').where({ owner_id: h.ownerId }).select('status');
      expect(rows).to.deep.equal([{ status: 'cancelled' }]);
      expect(h.events, 'listeners hear nothing of an undone booking').to.deep.equal([]);
      const again = await h.module.bookings.findSlots(customer(h, 'c'), {
        serviceId: h.serviceId,
        nearest: 1,
        after: new Date('2026-12-08T08:30:00Z'),
      });
      expect(again[0]!.start, 'the time is free again').to.equal('2026-12-08T10:00:00+01:00');
    } finally {
      await h.queue.close();
    }
  });

  it('a listener that fails is logged and the booking stands', async () => {
    const h = await harness({
      listeners: [
        {
          booked: async () => {
            throw new Error('notification failed');
          },
        },
      ],
    });
    try {
      const booked = await h.module.bookings.book(
        { kind: 'owner', ownerId: h.ownerId },
        { serviceId: h.serviceId, start: new Date('2026-12-08T09:00:00Z'), customerName: 'C' },
      );
      expect(booked.status).to.equal('confirmed');
      expect(h.logs.join('')).to.include('booking listener failed');
    } finally {
      await h.queue.close();
    }
  });

  it('busy time from an external calendar takes slots away and refuses bookings in it', async () => {
    const asked: string[] = [];
    const h = await harness({
      externalBusy: async (_owner, staffId, from, to) => {
        asked.push(`${staffId} ${from.toISOString()} ${to.toISOString()}`);
        return [{ start: new Date('2026-12-08T10:00:00Z'), end: new Date('2026-12-08T11:00:00Z') }];
      },
    });
    try {
      const slots = await h.module.bookings.availability(h.ownerId, {
        serviceId: h.serviceId,
        fromDate: '2026-12-08',
        toDate: '2026-12-08',
      });
      const starts = slots.map((s) => s.start.slice(11, 16));
      expect(starts).to.include.members(['10:00', '12:00']);
      expect(starts).to.not.include.members(['10:30', '11:00', '11:30']);
      expect(asked[0]).to.match(/^null /);
      await refusal(
        h.module.bookings.book(
          { kind: 'owner', ownerId: h.ownerId },
          { serviceId: h.serviceId, start: new Date('2026-12-08T10:30:00Z'), customerName: 'C' },
        ),
      );
    } finally {
      await h.queue.close();
    }
  });
});
