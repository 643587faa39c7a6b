// What the database keeps about bookings in an external calendar: each booking's event and what our last
// write put there, each calendar's sync token, and the owner's own busy events as the last sync saw them.
// Every function takes the owner id and filters by it.
import type { Knex } from 'knex';
import type { Channel } from '../conversations/chats.ts';
import { findBooking, type BookingRecord } from './bookings.ts';
import type { Interval } from './working-hours.ts';

/** Before a write: the booking's event is this one, and what the calendar shows is unknown until the write answers. */
export async function markWriting(
  db: Knex,
  ownerId: string,
  bookingId: string,
  event: { integrationId: string; eventId: string },
): Promise<void> {
  await db('bookings').where({ owner_id: ownerId, id: bookingId }).update({
    calendar_integration_id: event.integrationId,
    calendar_event_id: event.eventId,
    calendar_event_starts_at: null,
    calendar_event_ends_at: null,
  });
}

/** After a write (or a change read from the calendar): the calendar shows the event at these times. */
export async function recordWritten(
  db: Knex,
  ownerId: string,
  bookingId: string,
  event: { integrationId: string; eventId: string; startsAt: Date; endsAt: Date; updated?: Date },
): Promise<void> {
  await db('bookings')
    .where({ owner_id: ownerId, id: bookingId })
    .update({
      calendar_integration_id: event.integrationId,
      calendar_event_id: event.eventId,
      calendar_event_starts_at: event.startsAt,
      calendar_event_ends_at: event.endsAt,
      ...(event.updated ? { calendar_event_updated: event.updated } : {}),
    });
}

/** A change read from the calendar that matches the booking: only its change time is new. */
export async function recordSeen(db: Knex, ownerId: string, bookingId: string, updated: Date): Promise<void> {
  await db('bookings').where({ owner_id: ownerId, id: bookingId }).update({ calendar_event_updated: updated });
}

/** The booking's event is gone from the calendar. */
export async function recordDeleted(db: Knex, ownerId: string, bookingId: string, eventId: string): Promise<void> {
  await db('bookings').where({ owner_id: ownerId, id: bookingId, calendar_event_id: eventId }).update({
    calendar_event_id: null,
    calendar_event_starts_at: null,
    calendar_event_ends_at: null,
  });
}

/** Asks the owner to look at the booking (shown with it until it is moved again). */
export async function flagBooking(db: Knex, ownerId: string, bookingId: string, reason: string): Promise<void> {
  await db('bookings').where({ owner_id: ownerId, id: bookingId }).update({ attention: reason });
}

/** Marks the customer's chat as waiting for the owner, when the booking came from one. */
export async function flagChat(db: Knex, ownerId: string, chat: { channel: Channel; chatRef: string }): Promise<void> {
  await db('chats')
    .where({ owner_id: ownerId, channel: chat.channel, external_id: chat.chatRef })
    .update({ needs_attention: true });
}

export interface SyncState {
  syncToken: string | null;
  syncedAt: Date | null;
}

/** When each of these calendars last finished a sync (absent: never). */
export async function syncedAt(db: Knex, ownerId: string, integrationIds: string[]): Promise<Map<string, Date>> {
  if (integrationIds.length === 0) return new Map();
  const rows = await db('calendar_sync_states')
    .where({ owner_id: ownerId })
    .whereIn('integration_id', integrationIds)
    .whereNotNull('synced_at')
    .select<{ integration_id: string; synced_at: Date }[]>('integration_id', 'synced_at');
  return new Map(rows.map((row) => [row.integration_id, row.synced_at]));
}

export async function loadSyncState(db: Knex, ownerId: string, integrationId: string): Promise<SyncState> {
  const row = await db('calendar_sync_states')
    .where({ owner_id: ownerId, integration_id: integrationId })
    .first<{ sync_token: string | null; synced_at: Date | null } | undefined>('sync_token', 'synced_at');
  return { syncToken: row?.sync_token ?? null, syncedAt: row?.synced_at ?? null };
}

export async function saveSyncState(
  db: Knex,
  ownerId: string,
  integrationId: string,
  state: { syncToken: string; syncedAt: Date },
): Promise<void> {
  await db('calendar_sync_states')
    .insert({
      integration_id: integrationId,
      owner_id: ownerId,
      sync_token: state.syncToken,
      synced_at: state.syncedAt,
      updated_at: new Date(),
    })
    .onConflict('integration_id')
    .merge(['sync_token', 'synced_at', 'updated_at']);
}

export interface OwnersEvent {
  eventId: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * Applies what a sync read about the owner's own events: `full` replaces the list (a full listing holds
 * every event there is); otherwise events are added, moved or removed one by one.
 */
export async function storeOwnersEvents(
  db: Knex,
  ownerId: string,
  integrationId: string,
  changes: { full: boolean; present: OwnersEvent[]; gone: string[] },
): Promise<void> {
  await db.transaction(async (trx) => {
    if (changes.full)
      await trx('calendar_busy_events').where({ owner_id: ownerId, integration_id: integrationId }).del();
    else if (changes.gone.length > 0)
      await trx('calendar_busy_events')
        .where({ owner_id: ownerId, integration_id: integrationId })
        .whereIn('event_id', changes.gone)
        .del();
    // Chunks keep each statement's bindings well under PostgreSQL's limit.
    for (let i = 0; i < changes.present.length; i += 500) {
      const rows = changes.present.slice(i, i + 500).map((event) => ({
        integration_id: integrationId,
        owner_id: ownerId,
        event_id: event.eventId,
        starts_at: event.startsAt,
        ends_at: event.endsAt,
      }));
      await trx('calendar_busy_events')
        .insert(rows)
        .onConflict(['integration_id', 'event_id'])
        .merge(['starts_at', 'ends_at']);
    }
  });
}

/**
 * Over [from, to): the times of the owner's confirmed bookings (their events' spans, buffers left out)
 * and of the owner's own busy events in this calendar, in one statement.
 */
export async function bookingsAndOwnersEvents(
  db: Knex,
  ownerId: string,
  integrationId: string,
  from: Date,
  to: Date,
): Promise<{ bookings: Interval[]; owners: Interval[] }> {
  const result = await db.raw<{ rows: { bookings: string; owners: string }[] }>(
    `select
       (select coalesce(json_agg(json_build_array((extract(epoch from starts_at) * 1000)::bigint,
                 (extract(epoch from ends_at) * 1000)::bigint)), '[]')::text
          from bookings where owner_id = ? and status = 'confirmed' and starts_at < ? and ends_at > ?) as bookings,
       (select coalesce(json_agg(json_build_array((extract(epoch from starts_at) * 1000)::bigint,
                 (extract(epoch from ends_at) * 1000)::bigint)), '[]')::text
          from calendar_busy_events where owner_id = ? and integration_id = ? and starts_at < ? and ends_at > ?) as owners`,
    [ownerId, to, from, ownerId, integrationId, to, from],
  );
  const row = result.rows[0];
  const intervals = (json: string | undefined): Interval[] =>
    (JSON.parse(json ?? '[]') as [number | string, number | string][]).map(([start, end]) => ({
      start: Number(start),
      end: Number(end),
    }));
  return { bookings: intervals(row?.bookings), owners: intervals(row?.owners) };
}

/** Cancelled bookings whose event may still be in this calendar. */
export async function eventsToDelete(
  db: Knex,
  ownerId: string,
  integrationId: string,
  limit: number,
): Promise<{ bookingId: string; eventId: string }[]> {
  const rows = await db('bookings')
    .where({ owner_id: ownerId, status: 'cancelled', calendar_integration_id: integrationId })
    .whereNotNull('calendar_event_id')
    .orderBy('updated_at')
    .limit(limit)
    .select<{ id: string; calendar_event_id: string }[]>('id', 'calendar_event_id');
  return rows.map((row) => ({ bookingId: row.id, eventId: row.calendar_event_id }));
}

/**
 * Confirmed bookings not over yet that this calendar does not show as they are: never written (made before
 * the calendar was connected, or in another calendar), or a write that failed or never answered. Those
 * changed within `graceMs` after the calendar was connected are left alone: their write may still be on its way.
 */
export async function bookingsToWrite(
  db: Knex,
  ownerId: string,
  integrationId: string,
  options: { after: Date; graceMs: number; limit: number },
): Promise<BookingRecord[]> {
  const rows = await db('bookings')
    .where({ owner_id: ownerId, status: 'confirmed' })
    .where('ends_at', '>', options.after)
    .whereRaw(
      `updated_at < greatest(?::timestamptz, (select connected_at from integrations where owner_id = ? and id = ?))`,
      [new Date(Date.now() - options.graceMs), ownerId, integrationId],
    )
    .where((query) =>
      query
        .whereNull('calendar_integration_id')
        .orWhereNot('calendar_integration_id', integrationId)
        .orWhereNull('calendar_event_starts_at')
        .orWhereNull('calendar_event_ends_at')
        .orWhereRaw('calendar_event_starts_at <> starts_at')
        .orWhereRaw('calendar_event_ends_at <> ends_at'),
    )
    .orderBy('starts_at')
    .limit(options.limit)
    .select<{ id: string }[]>('id');
  const found = await Promise.all(rows.map((row) => findBooking(db, ownerId, row.id)));
  return found.filter((booking): booking is BookingRecord => booking !== undefined);
}

/** Confirmed bookings not over yet whose event this calendar shows as written: a full listing must hold them. */
export async function writtenBookings(
  db: Knex,
  ownerId: string,
  integrationId: string,
  after: Date,
): Promise<{ id: string; startsAt: Date }[]> {
  const rows = await db('bookings')
    .where({ owner_id: ownerId, status: 'confirmed', calendar_integration_id: integrationId })
    .where('ends_at', '>', after)
    .whereNotNull('calendar_event_id')
    .whereRaw('calendar_event_starts_at = starts_at and calendar_event_ends_at = ends_at')
    .select<{ id: string; starts_at: Date }[]>('id', 'starts_at');
  return rows.map((row) => ({ id: row.id, startsAt: row.starts_at }));
}
