// Reads the owner's changes back from the calendar that receives bookings, with Google's sync tokens:
// an event of ours moved in Google moves the booking (if that time is free; otherwise the event is put
// back and the owner is asked to look), deleted in Google cancels it, and the owner's own busy events are
// kept for availability (calendar-busy.ts). Then bookings the calendar does not show as they are get
// written (a failed write, one made before the calendar was connected) and cancelled bookings' events
// go. A sync runs before slots are offered when the last one is older than GOOGLE_SYNC_FRESH_SECONDS,
// and every GOOGLE_SYNC_INTERVAL_SECONDS through the job queue; a lease keeps one sync per calendar at
// a time across processes.
//
// Our own writes come back in the sync too. A change is taken as the owner's only when it is newer (on
// the calendar's clock) than our last write and no write of ours is on its way (the booking's recorded
// event times equal its times); otherwise our write, or the next sync, settles it.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ConnectedCalendar } from '../integrations/calendar-connections.ts';
import type { CalendarEventChange, CalendarSyncResult } from '../ports/calendar-provider.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import type { BookingSettingsStore } from './booking-settings.ts';
import type { BookingService } from './booking-service.ts';
import { bookingsOfEvents, type BookingRecord } from './bookings.ts';
import type { CalendarAccess } from './calendar-busy.ts';
import {
  bookingsToWrite,
  eventsToDelete,
  flagBooking,
  flagChat,
  loadSyncState,
  recordDeleted,
  recordSeen,
  recordWritten,
  saveSyncState,
  storeOwnersEvents,
  syncedAt,
  writtenBookings,
  type OwnersEvent,
} from './calendar-records.ts';
import type { CalendarWriter } from './calendar-writer.ts';
import type { ServiceCatalog } from './services.ts';
import { isoIn } from './slot-finder.ts';

export const CALENDAR_SYNC_JOB = 'calendar-sync';
export const CALENDAR_SWEEP_JOB = 'calendar-sync-sweep';

/** Longer than any sync takes; a process that dies holding it delays that calendar's sync by this much. */
const LEASE_MS = 120_000;
/** A booking changed this recently may have its write still on the way: the reconcile step leaves it alone. */
const WRITE_GRACE_MS = 60_000;
/** Bookings written or events deleted per sync, so one sync stays short. */
const RECONCILE_BATCH = 50;
/** Calendars the repeating sync queues per round. */
const SWEEP_BATCH = 1000;
/** The owner's events that ended before now minus this are not kept (they cannot block a slot). */
const KEEP_PAST_MS = 24 * 60 * 60 * 1000;
/** All-day events are kept wider by this much each side: their dates are midnights in the calendar's zone. */
const ALL_DAY_MARGIN_MS = 14 * 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CalendarSyncDeps {
  db: Knex;
  store: KeyValueStore;
  queue: JobQueue;
  calendars: CalendarAccess;
  writer: CalendarWriter;
  settings: BookingSettingsStore;
  services: ServiceCatalog;
  logger: Logger;
  /** The booking clock (which bookings are still ahead). */
  now: () => Date;
  /** Every this often through the job queue; 0: no repeating sync. */
  intervalMs: number;
  /** Before slots are offered, a sync younger than this is enough. */
  freshMs: number;
}

export type CalendarSync = ReturnType<typeof createCalendarSync>;

export function createCalendarSync(deps: CalendarSyncDeps & { bookings: () => BookingService }) {
  const { db, store, calendars, writer, logger } = deps;
  const running = new Map<string, Promise<'synced' | 'busy'>>();

  const sameTime = (a: Date | null | undefined, b: Date | null | undefined) =>
    Boolean(a && b && a.getTime() === b.getTime());

  /** Our write is on its way (or failed and awaits the reconcile step): the calendar may not show the booking yet. */
  const writePending = (booking: BookingRecord, calendar: ConnectedCalendar) =>
    booking.calendar.integrationId !== calendar.integrationId ||
    !sameTime(booking.calendar.startsAt, booking.startsAt) ||
    !sameTime(booking.calendar.endsAt, booking.endsAt);

  async function details(booking: BookingRecord): Promise<{ serviceName: string; timeZone: string }> {
    const [settings, service] = await Promise.all([
      deps.settings.get(booking.ownerId),
      deps.services.get(booking.ownerId, booking.serviceId, true),
    ]);
    return { serviceName: service.name, timeZone: settings.timezone };
  }

  /** The owner moved our event onto another booking: it is put back, and the owner asked to look. */
  async function refuseMove(calendar: ConnectedCalendar, booking: BookingRecord, to: Date): Promise<void> {
    const about = await details(booking);
    const reason = `Moved in Google Calendar to ${isoIn(to.getTime(), about.timeZone)}, which overlaps another booking; the booking keeps ${isoIn(booking.startsAt.getTime(), about.timeZone)} and its event is put back there. Move it here or in Google Calendar to a free time.`;
    await flagBooking(db, booking.ownerId, booking.id, reason);
    if (booking.channel && booking.chatRef)
      await flagChat(db, booking.ownerId, { channel: booking.channel, chatRef: booking.chatRef });
    logger.warn(
      { ownerId: booking.ownerId, bookingId: booking.id },
      'a booking moved in Google Calendar onto another booking was put back',
    );
    await writer.write(booking, calendar, about);
  }

  async function applyOurs(calendar: ConnectedCalendar, booking: BookingRecord, change: CalendarEventChange) {
    const { ownerId } = booking;
    if (booking.status === 'cancelled') {
      // Left behind by a cancellation whose delete failed, or written back by the owner: ours to remove.
      if (change.status !== 'cancelled') await calendar.provider.deleteEvent(calendar.calendarId, change.eventId);
      await recordDeleted(db, ownerId, booking.id, change.eventId);
      return;
    }
    // A visit that is over stays as it was, whatever the owner tidies up in Google afterwards.
    if (booking.endsAt <= deps.now()) return;
    if (change.status === 'cancelled') {
      // An event of ours deleted while our write is on its way: the write brings it back.
      if (writePending(booking, calendar)) return;
      await deps.bookings().applyCalendarChange(ownerId, booking.id, booking.startsAt, { kind: 'cancelled' });
      return;
    }
    if (change.updated && booking.calendar.updated && change.updated <= booking.calendar.updated) return;
    if (writePending(booking, calendar) || !change.start || !change.end) return;
    if (sameTime(change.start, booking.startsAt) && sameTime(change.end, booking.endsAt)) {
      if (change.updated) await recordSeen(db, ownerId, booking.id, change.updated);
      return;
    }
    const outcome = await deps.bookings().applyCalendarChange(ownerId, booking.id, booking.startsAt, {
      kind: 'moved',
      start: change.start,
      end: change.end,
    });
    if (outcome === 'moved')
      await recordWritten(db, ownerId, booking.id, {
        integrationId: calendar.integrationId,
        eventId: change.eventId,
        startsAt: change.start,
        endsAt: change.end,
        updated: change.updated,
      });
    else if (outcome === 'taken') await refuseMove(calendar, booking, change.start);
  }

  async function apply(calendar: ConnectedCalendar, result: CalendarSyncResult): Promise<void> {
    const { ownerId } = calendar;
    const keepAfter = deps.now().getTime() - KEEP_PAST_MS;
    const present: OwnersEvent[] = [];
    const gone: string[] = [];
    const oursListed = new Set<string>();
    const known = await bookingsOfEvents(db, ownerId, calendar.integrationId, {
      bookingIds: result.changes.flatMap((c) => (c.bookingId && UUID.test(c.bookingId) ? [c.bookingId] : [])),
      eventIds: result.changes.map((c) => c.eventId),
    });
    // An event is ours only under the id we gave it (a copy the owner made keeps the booking id property).
    const byEvent = new Map(
      known.map((booking) => [booking.calendar.eventId ?? calendar.provider.eventIdFor(booking.id), booking]),
    );
    for (const change of result.changes) {
      const booking = byEvent.get(change.eventId);
      if (booking) {
        if (change.status !== 'cancelled') oursListed.add(booking.id);
        await applyOurs(calendar, booking, change);
        continue;
      }
      if (change.status === 'cancelled' || !change.busy || !change.start || !change.end) {
        gone.push(change.eventId);
        continue;
      }
      const margin = change.allDay ? ALL_DAY_MARGIN_MS : 0;
      const endsAt = new Date(change.end.getTime() + margin);
      if (endsAt.getTime() < keepAfter) gone.push(change.eventId);
      else present.push({ eventId: change.eventId, startsAt: new Date(change.start.getTime() - margin), endsAt });
    }
    await storeOwnersEvents(db, ownerId, calendar.integrationId, { full: result.full, present, gone });
    if (!result.full) return;
    // A full listing holds every event there is: ours written there and absent from it were deleted.
    for (const written of await writtenBookings(db, ownerId, calendar.integrationId, deps.now())) {
      if (oursListed.has(written.id)) continue;
      await deps.bookings().applyCalendarChange(ownerId, written.id, written.startsAt, { kind: 'cancelled' });
    }
  }

  /** Cancelled bookings' events go; bookings the calendar does not show as they are get written. */
  async function reconcile(calendar: ConnectedCalendar): Promise<void> {
    const { ownerId, integrationId } = calendar;
    try {
      for (const { bookingId, eventId } of await eventsToDelete(db, ownerId, integrationId, RECONCILE_BATCH)) {
        await calendar.provider.deleteEvent(calendar.calendarId, eventId);
        await recordDeleted(db, ownerId, bookingId, eventId);
      }
      const due = await bookingsToWrite(db, ownerId, integrationId, {
        after: deps.now(),
        graceMs: WRITE_GRACE_MS,
        limit: RECONCILE_BATCH,
      });
      for (const booking of due) await writer.write(booking, calendar, await details(booking));
    } catch (error) {
      // The next sync tries again; lost access shows on the integration.
      await calendars.reportFailure(ownerId, integrationId, error);
      logger.warn({ err: error, ownerId, integrationId }, 'bookings could not be brought into Google Calendar');
    }
  }

  /** One sync of the calendar that receives bookings, unless another process is syncing it ('busy'). */
  async function syncNow(calendar: ConnectedCalendar): Promise<'synced' | 'busy'> {
    const { ownerId, integrationId } = calendar;
    const lease = `calendar-sync:${integrationId}`;
    const holder = randomUUID();
    if (!(await store.acquireLease(lease, holder, LEASE_MS))) return 'busy';
    try {
      const state = await loadSyncState(db, ownerId, integrationId);
      let result: CalendarSyncResult;
      try {
        result = await calendar.provider.sync(calendar.calendarId, state.syncToken ?? undefined);
      } catch (error) {
        await calendars.reportFailure(ownerId, integrationId, error);
        throw error;
      }
      await apply(calendar, result);
      await saveSyncState(db, ownerId, integrationId, { syncToken: result.syncToken, syncedAt: new Date() });
      await reconcile(calendar);
      logger.debug({ ownerId, integrationId, changes: result.changes.length, full: result.full }, 'calendar synced');
      return 'synced';
    } finally {
      await store.releaseLease(lease, holder);
    }
  }

  /** A sync already running in this process for the calendar is joined, not repeated. */
  function sync(calendar: ConnectedCalendar): Promise<'synced' | 'busy'> {
    let pending = running.get(calendar.integrationId);
    if (!pending) {
      pending = syncNow(calendar).finally(() => running.delete(calendar.integrationId));
      running.set(calendar.integrationId, pending);
    }
    return pending;
  }

  async function isFresh(calendar: ConnectedCalendar, maxAgeMs: number): Promise<boolean> {
    const at =
      calendar.syncedAt !== undefined
        ? calendar.syncedAt
        : ((await syncedAt(db, calendar.ownerId, [calendar.integrationId])).get(calendar.integrationId) ?? null);
    return at !== null && Date.now() - at.getTime() < maxAgeMs;
  }

  /**
   * Before slots are offered. A failed sync does not stop them: freeBusy is read live anyway, and a
   * booking not yet moved or cancelled from Google only keeps its time busy.
   */
  async function ensureFresh(_ownerId: string, calendar: ConnectedCalendar): Promise<void> {
    if (await isFresh(calendar, deps.freshMs)) return;
    try {
      await sync(calendar);
    } catch (error) {
      logger.warn(
        { err: error, ownerId: calendar.ownerId, integrationId: calendar.integrationId },
        'Google Calendar changes could not be read before offering slots',
      );
    }
  }

  const slotOf = (at: number) => Math.floor(at / deps.intervalMs);

  /** Queues the next round first (so a failure cannot end the chain), then one sync job per calendar. */
  async function sweep(): Promise<void> {
    const slot = slotOf(Date.now());
    await deps.queue.enqueue(CALENDAR_SWEEP_JOB, {}, `calendar-sweep:${slot + 1}`, {
      delayMs: Math.max(0, (slot + 1) * deps.intervalMs - Date.now()),
    });
    for (const { ownerId, integrationId } of await calendars.allConnected(SWEEP_BATCH))
      await deps.queue.enqueue(CALENDAR_SYNC_JOB, { ownerId, integrationId }, `calendar-sync:${integrationId}:${slot}`);
  }

  async function handleSyncJob(payload: Record<string, string>): Promise<void> {
    const { ownerId, integrationId } = payload;
    if (!ownerId || !integrationId) return;
    const { connected } = await calendars.forBooking(ownerId);
    // Only the calendar that receives bookings is synced: the others' busy time is read live.
    const calendar = connected[0];
    if (calendar?.integrationId !== integrationId) return;
    if (await isFresh(calendar, deps.intervalMs / 2)) return;
    try {
      await sync(calendar);
    } catch (error) {
      // Not rethrown: the sync repeats on the next round anyway.
      logger.warn({ err: error, ownerId, integrationId }, 'the repeating Google Calendar sync failed');
    }
  }

  return {
    sync,
    ensureFresh,
    /** For a worker: runs the repeating sync's jobs and starts its chain (once per round across processes). */
    async start(): Promise<void> {
      deps.queue.process(CALENDAR_SYNC_JOB, handleSyncJob);
      if (deps.intervalMs <= 0) return;
      deps.queue.process(CALENDAR_SWEEP_JOB, () => sweep());
      await deps.queue.enqueue(CALENDAR_SWEEP_JOB, {}, `calendar-sweep:${slotOf(Date.now())}`);
    },
  };
}
