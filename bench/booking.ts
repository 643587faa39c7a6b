// `npm run bench:booking [-- --db postgres] [--calls N]`: the owner's availability for 30 days of one
// service over 5 staff members with 500 existing bookings (and a neighbour owner as busy beside them),
// through the booking service as the API calls it (settings, service, staff and bookings read from the
// database each call). Embedded default: PGlite in a temporary data directory; --db postgres: a fresh
// database on DATABASE_URL's server.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import pino from 'pino';
import { createBookingModule, type BookingModule } from '../core/booking/booking-module.ts';
import { bookedIntervals, insertBooking } from '../core/booking/bookings.ts';
import { freeSlots } from '../core/booking/availability.ts';
import { slotViews } from '../core/booking/slot-finder.ts';
import { createSecretBox } from '../core/crypto/secret-box.ts';
import { createDatabase, migrateToLatest, type Database } from '../infra/database.ts';
import { MemoryJobQueue } from '../infra/memory-job-queue.ts';
import { createTestDatabase } from '../test/support/test-database.ts';

const args = process.argv.slice(2);
const usePostgres = args.includes('--db') && args[args.indexOf('--db') + 1] === 'postgres';
const CALLS = args.includes('--calls') ? Number(args[args.indexOf('--calls') + 1]) : 300;
const STAFF = 5;
const BOOKINGS = 500;
const DAYS = 30;
const ZONE = 'Europe/Berlin';
// Monday 08:00 in Berlin: a fixed clock, so every run sees the same 30 days.
const NOW = new Date('2026-12-07T07:00:00Z');

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

async function openDatabase(): Promise<{ db: Database; drop(): Promise<void> }> {
  if (usePostgres) {
    if (!process.env.DATABASE_URL) throw new Error('--db postgres needs DATABASE_URL');
    return createTestDatabase();
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-bench-booking-'));
  const db = createDatabase({ kind: 'pglite', dir: path.join(dir, 'pgdata') });
  await migrateToLatest(db.knex);
  return {
    db,
    async drop() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const hours = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [
    day,
    day === 'sun'
      ? []
      : ([
          ['10:00', '14:00'],
          ['15:00', '20:00'],
        ] as [string, string][]),
  ]),
) as never;

/** An owner with 5 staff, one 60-minute service with a 15-minute buffer, and 500 bookings over 30 days. */
async function seedOwner(
  db: Database,
  booking: BookingModule,
  tag: string,
): Promise<{ ownerId: string; serviceId: string }> {
  const [owner] = await db
    .knex('owners')
    .insert({ email: `${tag}-${randomBytes(3).toString('hex')}@bench.local`, password_hash: 'x', salon_name: tag })
    .returning<{ id: string }[]>('id');
  const ownerId = owner!.id;
  await booking.settings.update(ownerId, {
    timezone: ZONE,
    slot_minutes: 30,
    min_notice_minutes: 60,
    horizon_days: 60,
    hours,
  });
  const staff = [];
  for (let i = 0; i < STAFF; i += 1) staff.push(await booking.staff.create(ownerId, { name: `Staff ${i}` }));
  const service = await booking.services.create(ownerId, { name: 'Haircut', duration_minutes: 60, buffer_minutes: 15 });
  const firstDay = DateTime.fromJSDate(NOW, { zone: ZONE }).startOf('day');
  let made = 0;
  while (made < BOOKINGS) {
    const day = firstDay.plus({ days: Math.floor(random() * DAYS) });
    if (day.weekday === 7) continue;
    const start = day.set({ hour: 10 + Math.floor(random() * 9), minute: random() < 0.5 ? 0 : 30 });
    const startsAt = start.toJSDate();
    const inserted = await insertBooking(db.knex, ownerId, {
      serviceId: service.id,
      staffId: staff[Math.floor(random() * STAFF)]!.id,
      startsAt,
      endsAt: start.plus({ minutes: 60 }).toJSDate(),
      blockedUntil: start.plus({ minutes: 75 }).toJSDate(),
      customerName: `Customer ${made}`,
      customerPhone: null,
      source: 'owner',
      channel: null,
      chatRef: null,
      language: null,
    });
    if (inserted !== 'taken') made += 1;
  }
  return { ownerId, serviceId: service.id };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const { db, drop } = await openDatabase();
const queue = new MemoryJobQueue();
try {
  const booking = createBookingModule({
    db: db.knex,
    secretBox: createSecretBox(randomBytes(32).toString('hex')),
    queue,
    logger: pino({ level: 'silent' }),
    reminderSender: { send: async () => {} },
    now: () => NOW,
  });
  const { ownerId, serviceId } = await seedOwner(db, booking, 'target');
  await seedOwner(db, booking, 'neighbour');
  await db.knex.raw('vacuum analyze bookings');
  const fromDate = DateTime.fromJSDate(NOW, { zone: ZONE }).toISODate()!;
  const toDate = DateTime.fromJSDate(NOW, { zone: ZONE })
    .plus({ days: DAYS - 1 })
    .toISODate()!;
  const query = { serviceId, fromDate, toDate };
  for (let i = 0; i < 20; i += 1) await booking.bookings.availability(ownerId, query); // warm-up
  const times: number[] = [];
  // This process's CPU time per call as well: on a machine shared with other work, wall time includes
  // waiting for a CPU. On PGlite the database runs in this process, so its work is counted here too;
  // PostgreSQL's runs in its own processes and is not.
  const cpu: number[] = [];
  let slots = 0;
  for (let i = 0; i < CALLS; i += 1) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    slots = (await booking.bookings.availability(ownerId, query)).length;
    const used = process.cpuUsage(cpuStarted);
    times.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const loadAverage = os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
  console.log(
    `database: ${db.kind}; ${STAFF} staff, ${BOOKINGS} bookings (and a neighbour owner's ${BOOKINGS}); availability ${fromDate}..${toDate} (${DAYS} days, ${slots} free slots)`,
  );
  console.log(
    `load average ${loadAverage} on ${os.cpus().length} CPUs; ${CALLS} calls: p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`,
  );
  console.log(
    `this process's CPU time per call: p50 ${percentile(cpu, 0.5).toFixed(1)} ms, p95 ${percentile(cpu, 0.95).toFixed(1)} ms`,
  );
  // The same answer computed from rows already in memory: what the calls above spend outside the database.
  const settings = await booking.settings.get(ownerId);
  const staff = await booking.staff.active(ownerId);
  const busy = await bookedIntervals(
    db.knex,
    ownerId,
    new Date(NOW.getTime() - 86_400_000),
    new Date(NOW.getTime() + 32 * 86_400_000),
  );
  const compute: number[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    const started = performance.now();
    const free = freeSlots(
      staff.map((member) => ({ staffId: member.id })),
      settings,
      busy,
      {
        zone: ZONE,
        fromDate,
        toDate,
        slotMinutes: 30,
        durationMinutes: 60,
        bufferMinutes: 15,
        earliest: NOW.getTime() + 60 * 60_000,
        lastDate: toDate,
      },
    );
    slotViews(free, ZONE);
    compute.push(performance.now() - started);
  }
  compute.sort((a, b) => a - b);
  console.log(
    `of which computing from memory (slots and their ISO strings): p50 ${percentile(compute, 0.5).toFixed(1)} ms, p95 ${percentile(compute, 0.95).toFixed(1)} ms`,
  );
} finally {
  await queue.close();
  await drop();
}
