// Booking rows. Every function takes the owner id and filters by it. Writes that could collide with
// another booking return 'taken' when the database's exclusion constraint refuses them: that check,
// not a read before the write, is what keeps two racing requests from taking one slot.
import type { Knex } from 'knex';
import type { Channel } from '../conversations/chats.ts';
import type { Interval } from './working-hours.ts';

export type BookingStatus = 'confirmed' | 'cancelled';

export interface BookingRecord {
  id: string;
  ownerId: string;
  serviceId: string;
  staffId: string | null;
  startsAt: Date;
  endsAt: Date;
  /** endsAt plus the service's buffer: the time no other booking of the same staff member may overlap. */
  blockedUntil: Date;
  status: BookingStatus;
  customerName: string;
  customerPhone: string | null;
  source: 'owner' | 'customer';
  channel: Channel | null;
  chatRef: string | null;
  language: string | null;
  reminderSentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface BookingRow {
  id: string;
  owner_id: string;
  service_id: string;
  staff_id: string | null;
  starts_at: Date;
  ends_at: Date;
  blocked_until: Date;
  status: BookingStatus;
  customer_name: string;
  customer_phone: string | null;
  source: 'owner' | 'customer';
  channel: Channel | null;
  chat_ref: string | null;
  language: string | null;
  reminder_sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (row: BookingRow): BookingRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  serviceId: row.service_id,
  staffId: row.staff_id,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  blockedUntil: row.blocked_until,
  status: row.status,
  customerName: row.customer_name,
  customerPhone: row.customer_phone,
  source: row.source,
  channel: row.channel,
  chatRef: row.chat_ref,
  language: row.language,
  reminderSentAt: row.reminder_sent_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The exclusion constraint's refusal (SQLSTATE 23P01), the same from pg and from PGlite. */
function isOverlap(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown };
  return e?.code === '23P01' && e.constraint === 'bookings_no_overlap';
}

export interface NewBooking {
  serviceId: string;
  staffId: string | null;
  startsAt: Date;
  endsAt: Date;
  blockedUntil: Date;
  customerName: string;
  customerPhone: string | null;
  source: 'owner' | 'customer';
  channel: Channel | null;
  chatRef: string | null;
  language: string | null;
}

export async function insertBooking(db: Knex, ownerId: string, booking: NewBooking): Promise<BookingRecord | 'taken'> {
  try {
    const [row] = await db('bookings')
      .insert({
        owner_id: ownerId,
        service_id: booking.serviceId,
        staff_id: booking.staffId,
        starts_at: booking.startsAt,
        ends_at: booking.endsAt,
        blocked_until: booking.blockedUntil,
        customer_name: booking.customerName,
        customer_phone: booking.customerPhone,
        source: booking.source,
        channel: booking.channel,
        chat_ref: booking.chatRef,
        language: booking.language,
      })
      .returning<BookingRow[]>('*');
    return toRecord(row!);
  } catch (error) {
    if (isOverlap(error)) return 'taken';
    throw error;
  }
}

/** Moves a confirmed booking; undefined when it is no longer there (or no longer confirmed). */
export async function rescheduleBooking(
  db: Knex,
  ownerId: string,
  id: string,
  to: { staffId: string | null; startsAt: Date; endsAt: Date; blockedUntil: Date },
): Promise<BookingRecord | 'taken' | undefined> {
  try {
    const [row] = await db('bookings')
      .where({ owner_id: ownerId, id, status: 'confirmed' })
      .update({
        staff_id: to.staffId,
        starts_at: to.startsAt,
        ends_at: to.endsAt,
        blocked_until: to.blockedUntil,
        // A new time gets its own reminder.
        reminder_sent_at: null,
        updated_at: new Date(),
      })
      .returning<BookingRow[]>('*');
    return row ? toRecord(row) : undefined;
  } catch (error) {
    if (isOverlap(error)) return 'taken';
    throw error;
  }
}

export async function cancelBooking(
  db: Knex,
  ownerId: string,
  id: string,
  at: Date,
): Promise<BookingRecord | undefined> {
  const [row] = await db('bookings')
    .where({ owner_id: ownerId, id, status: 'confirmed' })
    .update({ status: 'cancelled', cancelled_at: at, updated_at: at })
    .returning<BookingRow[]>('*');
  return row ? toRecord(row) : undefined;
}

export async function findBooking(db: Knex, ownerId: string, id: string): Promise<BookingRecord | undefined> {
  const row = await db('bookings').where({ owner_id: ownerId, id }).first<BookingRow | undefined>();
  return row ? toRecord(row) : undefined;
}

export interface BookingFilter {
  /** Bookings that overlap [from, to). */
  from?: Date;
  to?: Date;
  status?: BookingStatus;
  /** Only this customer's (channel + their id on it). */
  customer?: { channel: Channel; chatRef: string };
  /** Only those that have not ended by then. */
  endingAfter?: Date;
}

export async function listBookings(
  db: Knex,
  ownerId: string,
  filter: BookingFilter,
  page?: { page: number; pageSize: number },
): Promise<{ items: BookingRecord[]; total: number }> {
  const query = () => {
    const q = db('bookings').where({ owner_id: ownerId });
    if (filter.from) q.where('ends_at', '>', filter.from);
    if (filter.to) q.where('starts_at', '<', filter.to);
    if (filter.endingAfter) q.where('ends_at', '>', filter.endingAfter);
    if (filter.status) q.where({ status: filter.status });
    if (filter.customer) q.where({ channel: filter.customer.channel, chat_ref: filter.customer.chatRef });
    return q;
  };
  const rows = query().orderBy([{ column: 'starts_at' }, { column: 'id' }]);
  if (page) rows.limit(page.pageSize).offset((page.page - 1) * page.pageSize);
  const [items, count] = await Promise.all([
    rows.select<BookingRow[]>('*'),
    page ? query().count<{ count: string | number }[]>({ count: '*' }).first() : undefined,
  ]);
  return { items: items.map(toRecord), total: page ? Number(count?.count ?? 0) : items.length };
}

/**
 * Confirmed bookings' blocked time overlapping [from, to), by staff member (null: bookings of the
 * business itself). `except` leaves one booking out (the one being moved).
 */
export async function bookedIntervals(
  db: Knex,
  ownerId: string,
  from: Date,
  to: Date,
  except?: string,
): Promise<Map<string | null, Interval[]>> {
  // One row of JSON with epoch milliseconds: availability reads hundreds of bookings per call, and
  // decoding them as rows of timestamps costs more than the query itself (half again on PGlite).
  const result = await db.raw<{ rows: { busy: string }[] }>(
    `select coalesce(json_agg(json_build_array(staff_id,
              (extract(epoch from starts_at) * 1000)::bigint, (extract(epoch from blocked_until) * 1000)::bigint)), '[]')::text as busy
       from bookings
      where owner_id = ? and status = 'confirmed' and starts_at < ? and blocked_until > ? and id <> coalesce(?::uuid, '00000000-0000-0000-0000-000000000000')`,
    [ownerId, to, from, except ?? null],
  );
  const rows = JSON.parse(result.rows[0]?.busy ?? '[]') as [string | null, number, number][];
  const busy = new Map<string | null, Interval[]>();
  for (const [staffId, start, end] of rows) {
    const list = busy.get(staffId) ?? [];
    list.push({ start, end });
    busy.set(staffId, list);
  }
  return busy;
}

/** Marks the reminder sent, once: false when it already was, or the booking was moved or cancelled. */
export async function claimReminder(db: Knex, ownerId: string, id: string, startsAt: Date): Promise<boolean> {
  const updated = await db('bookings')
    .where({ owner_id: ownerId, id, status: 'confirmed', starts_at: startsAt })
    .whereNull('reminder_sent_at')
    .update({ reminder_sent_at: new Date() });
  return updated > 0;
}
