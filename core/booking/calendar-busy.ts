// Busy time from the owner's connected calendars, for availability. Google's freeBusy is read live on every
// call: it is the calendar's own answer (recurring and all-day events included) and cannot be stale.
// freeBusy cannot tell our bookings' events from the owner's, and our bookings are already subtracted
// per staff member from the database, so in the calendar that receives bookings their times are taken
// out of freeBusy's answer, except where one of the owner's own events (from the last sync) covers the
// same time: busy = freeBusy − (bookings − owner's events). Without that exception a booking of one staff
// member would hide the owner's own event from the others.
import type { Logger } from 'pino';
import { CalendarUnavailableError } from '../errors.ts';
import { CalendarError, type BusyInterval } from '../ports/calendar-provider.ts';
import type { ConnectedCalendar, FailingCalendar } from '../integrations/calendar-connections.ts';
import type { Knex } from 'knex';
import { mergeIntervals } from './availability.ts';
import type { ExternalBusySource } from './booking-hooks.ts';
import { bookingsAndOwnersEvents } from './calendar-records.ts';
import type { Interval } from './working-hours.ts';

/** What booking needs of the owner's calendar connections (core/integrations/calendar-connections.ts). */
export interface CalendarAccess {
  forBooking(ownerId: string): Promise<{ connected: ConnectedCalendar[]; failing: FailingCalendar[] }>;
  reportFailure(ownerId: string, integrationId: string, error: unknown): Promise<boolean>;
  allConnected(limit: number): Promise<{ ownerId: string; integrationId: string }[]>;
}

/** `from` with every part covered by `remove` taken out; both lists need not be sorted or merged. */
export function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  const cuts = mergeIntervals(remove);
  const result: Interval[] = [];
  for (const interval of mergeIntervals(from)) {
    let start = interval.start;
    for (const cut of cuts) {
      if (cut.end <= start) continue;
      if (cut.start >= interval.end) break;
      if (cut.start > start) result.push({ start, end: cut.start });
      start = Math.max(start, cut.end);
      if (start >= interval.end) break;
    }
    if (start < interval.end) result.push({ start, end: interval.end });
  }
  return result;
}

/** Busy time the calendar shows that is neither one of our bookings nor covered only by one. */
export function ownersBusy(freeBusy: readonly Interval[], bookings: readonly Interval[], owners: readonly Interval[]) {
  return subtractIntervals(freeBusy, subtractIntervals(bookings, owners));
}

export function accessLost(failing: FailingCalendar): CalendarUnavailableError {
  return new CalendarUnavailableError(
    `Google Calendar access was lost: ${failing.reason} Nothing can be booked until it works again (POST /api/integrations/${failing.integrationId}/test once fixed), or until it is stopped (POST /api/integrations/${failing.integrationId}/stop) to book on the built-in calendar only.`,
    false,
  );
}

/** A failed read as the caller sees it: the calendar could not be checked, so nothing is offered. */
export function unreadable(error: unknown): CalendarUnavailableError {
  const reason = error instanceof Error ? error.message : String(error);
  const retryable = !(error instanceof CalendarError) || error.retryable;
  return new CalendarUnavailableError(
    retryable
      ? `Google Calendar cannot be reached right now, so free times cannot be checked against it (${reason}); try again in a minute.`
      : `Google Calendar refused access: ${reason}`,
    retryable,
    { cause: error },
  );
}

export interface CalendarBusyDeps {
  db: Knex;
  calendars: CalendarAccess;
  logger: Logger;
  /** Brings the booking calendar's sync up to date when it is older than allowed (never throws for Google). */
  ensureFresh(ownerId: string, calendar: ConnectedCalendar): Promise<void>;
}

export function createCalendarBusy(deps: CalendarBusyDeps): ExternalBusySource {
  const { db, calendars, logger } = deps;
  // Availability asks once per staff member over the same range at once: one freeBusy call serves them all.
  const inFlight = new Map<string, Promise<BusyInterval[]>>();

  async function readCalendar(calendar: ConnectedCalendar, from: Date, to: Date): Promise<Interval[]> {
    try {
      const busy = await calendar.provider.busy(calendar.calendarId, from, to);
      return busy.map((b) => ({ start: b.start.getTime(), end: b.end.getTime() }));
    } catch (error) {
      const marked = await calendars.reportFailure(calendar.ownerId, calendar.integrationId, error);
      logger.warn(
        { err: error, ownerId: calendar.ownerId, integrationId: calendar.integrationId, markedError: marked },
        'Google Calendar busy time could not be read',
      );
      throw unreadable(error);
    }
  }

  async function busyOf(ownerId: string, from: Date, to: Date): Promise<BusyInterval[]> {
    const { connected, failing } = await calendars.forBooking(ownerId);
    if (failing[0]) throw accessLost(failing[0]);
    const [bookingCalendar, ...others] = connected;
    if (!bookingCalendar) return [];
    await deps.ensureFresh(ownerId, bookingCalendar);
    const [own, ...rest] = await Promise.all([
      (async () => {
        const [freeBusy, known] = await Promise.all([
          readCalendar(bookingCalendar, from, to),
          bookingsAndOwnersEvents(db, ownerId, bookingCalendar.integrationId, from, to),
        ]);
        return ownersBusy(freeBusy, known.bookings, known.owners);
      })(),
      // Other connected calendars hold none of our events: all their busy time counts.
      ...others.map((calendar) => readCalendar(calendar, from, to)),
    ]);
    return [own ?? [], ...rest]
      .flat()
      .map((interval) => ({ start: new Date(interval.start), end: new Date(interval.end) }));
  }

  return (ownerId, _staffId, from, to) => {
    // A connected calendar is the business's: its busy time bounds every staff member alike.
    const key = `${ownerId}|${from.getTime()}|${to.getTime()}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = busyOf(ownerId, from, to).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
}
