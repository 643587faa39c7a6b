// The owner's bookings as an iCalendar feed for Google Calendar, Apple Calendar or Outlook to subscribe
// to. Its URL is the only credential, and calendar apps keep and sync it, so the feed carries the
// service and the customer's name but never their phone number.
import ical from 'ical-generator';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import type { Knex } from 'knex';
import { DateTime } from 'luxon';

/** How far back the feed reaches: recent visits stay visible, old ones drop off. */
const PAST_DAYS = 90;
const MAX_EVENTS = 5000;

interface FeedRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  customer_name: string;
  service_name: string;
  staff_name: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function bookingsFeed(db: Knex, ownerId: string, now: Date): Promise<string> {
  const owner = await db('owners')
    .where({ id: ownerId })
    .first<{ salon_name: string; timezone: string }>('salon_name', 'timezone');
  const zone = owner?.timezone ?? 'UTC';
  const rows = await db('bookings as b')
    .join('booking_services as s', 's.id', 'b.service_id')
    .leftJoin('booking_staff as st', 'st.id', 'b.staff_id')
    .where({ 'b.owner_id': ownerId, 'b.status': 'confirmed' })
    .where('b.ends_at', '>', new Date(now.getTime() - PAST_DAYS * 24 * 60 * 60 * 1000))
    .orderBy('b.starts_at')
    .limit(MAX_EVENTS)
    .select<FeedRow[]>(
      'b.id',
      'b.starts_at',
      'b.ends_at',
      'b.customer_name',
      's.name as service_name',
      'st.name as staff_name',
      'b.created_at',
      'b.updated_at',
    );
  const calendar = ical({
    name: `${owner?.salon_name ?? 'Frontdesk'}: bookings`,
    prodId: { company: 'Frontdesk', product: 'bookings', language: 'EN' },
    // No calendar-wide zone: ical-generator would then write DTSTAMP and the like as local times, where
    // RFC 5545 wants UTC. Each event names its zone, and the generator adds that zone's VTIMEZONE.
    timezone: { name: null, generator: getVtimezoneComponent },
    x: [{ key: 'X-WR-TIMEZONE', value: zone }],
    // Subscribed calendars poll; ask for a refresh every 15 minutes (apps may poll less often).
    ttl: 15 * 60,
  });
  const local = (at: Date) => DateTime.fromJSDate(at, { zone });
  for (const row of rows) {
    calendar.createEvent({
      id: `${row.id}@frontdesk`,
      start: local(row.starts_at),
      end: local(row.ends_at),
      timezone: zone,
      summary: `${row.service_name}: ${row.customer_name}`,
      description: row.staff_name ? `${row.service_name}, ${row.staff_name}` : row.service_name,
      stamp: DateTime.fromJSDate(now, { zone: 'utc' }),
      lastModified: DateTime.fromJSDate(row.updated_at, { zone: 'utc' }),
      created: DateTime.fromJSDate(row.created_at, { zone: 'utc' }),
      // Grows with each change, so a calendar app replaces its copy of a moved booking.
      sequence: Math.max(0, Math.floor((row.updated_at.getTime() - row.created_at.getTime()) / 1000)),
    });
  }
  return calendar.toString();
}
