// Writes bookings into the owner's calendar (the oldest connected one) as the booking service's writer
// hook: a booking inserts an event, a move updates it, a cancellation deletes it. Before each write the
// booking records which event it is and that what the calendar shows is unknown; after it, what the
// calendar shows. A write that fails leaves that "unknown" for the sync to settle (calendar-sync.ts), and
// the booking service undoes the booking or the move: nothing stands that the calendar does not hold.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { CalendarUnavailableError } from '../errors.ts';
import { CalendarError, type CalendarEventInput } from '../ports/calendar-provider.ts';
import type { ConnectedCalendar } from '../integrations/calendar-connections.ts';
import type { BookingChange, BookingHooks } from './booking-hooks.ts';
import type { BookingRecord } from './bookings.ts';
import { accessLost, type CalendarAccess } from './calendar-busy.ts';
import { flagBooking, markWriting, recordDeleted, recordWritten } from './calendar-records.ts';
import { isoIn } from './slot-finder.ts';
import type { StaffDirectory } from './staff.ts';

const CHANNEL_NAMES: Record<string, string> = {
  telegram: 'Telegram',
  whatsapp: 'WhatsApp',
  web: 'Web chat',
  test: 'Test chat',
};

export interface CalendarWriterDeps {
  db: Knex;
  calendars: CalendarAccess;
  staff: StaffDirectory;
  logger: Logger;
}

/** What the event says: the service and the customer (with their staff member), their name and contact. */
export function eventInput(
  booking: BookingRecord,
  details: { serviceName: string; timeZone: string; staffName?: string },
): CalendarEventInput {
  const who = details.staffName ? `${booking.customerName} (${details.staffName})` : booking.customerName;
  const contact = [
    booking.customerName,
    booking.customerPhone,
    booking.channel ? (CHANNEL_NAMES[booking.channel] ?? booking.channel) : null,
  ].filter((line): line is string => Boolean(line));
  return {
    bookingId: booking.id,
    summary: `${details.serviceName} — ${who}`,
    description: contact.join('\n'),
    start: booking.startsAt,
    end: booking.endsAt,
    timeZone: details.timeZone,
  };
}

export type CalendarWriter = ReturnType<typeof createCalendarWriter>;

export function createCalendarWriter(deps: CalendarWriterDeps) {
  const { db, calendars, logger } = deps;

  /** The calendar that receives bookings; refuses while a calendar has lost access; undefined: built-in only. */
  async function bookingCalendar(ownerId: string): Promise<ConnectedCalendar | undefined> {
    const { connected, failing } = await calendars.forBooking(ownerId);
    if (failing[0]) throw accessLost(failing[0]);
    return connected[0];
  }

  async function staffName(booking: BookingRecord): Promise<string | undefined> {
    if (!booking.staffId) return undefined;
    const member = (await deps.staff.list(booking.ownerId)).find((m) => m.id === booking.staffId);
    return member?.name;
  }

  /** Makes the calendar show the booking as it is now (inserting or updating its event). */
  async function write(
    booking: BookingRecord,
    calendar: ConnectedCalendar,
    details: { serviceName: string; timeZone: string },
  ): Promise<void> {
    const { provider } = calendar;
    const existing =
      booking.calendar.integrationId === calendar.integrationId && booking.calendar.eventId
        ? booking.calendar.eventId
        : undefined;
    const eventId = existing ?? provider.eventIdFor(booking.id);
    await markWriting(db, booking.ownerId, booking.id, { integrationId: calendar.integrationId, eventId });
    const input = eventInput(booking, { ...details, staffName: await staffName(booking) });
    const result = existing
      ? await provider.updateEvent(calendar.calendarId, existing, input)
      : await provider.insertEvent(calendar.calendarId, input);
    await recordWritten(db, booking.ownerId, booking.id, {
      integrationId: calendar.integrationId,
      eventId: result.eventId,
      startsAt: booking.startsAt,
      endsAt: booking.endsAt,
      updated: result.updated,
    });
  }

  /** The owner sees why (the booking flagged, the integration in error for lost access); the caller gets a 503. */
  async function failed(
    change: BookingChange,
    calendar: ConnectedCalendar,
    error: unknown,
    what: 'booked' | 'moved',
  ): Promise<CalendarUnavailableError> {
    const { booking } = change;
    const marked = await calendars.reportFailure(booking.ownerId, calendar.integrationId, error).catch((report) => {
      logger.error({ err: report, ownerId: booking.ownerId }, 'a calendar failure could not be recorded');
      return false;
    });
    const reason = error instanceof Error ? error.message : String(error);
    const retryable = !(error instanceof CalendarError) || error.retryable;
    logger.warn(
      { err: error, ownerId: booking.ownerId, bookingId: booking.id, integrationId: calendar.integrationId, marked },
      `Google Calendar did not take a booking ${what === 'booked' ? 'made' : 'moved'}; it is undone`,
    );
    if (what === 'booked') {
      await flagBooking(
        db,
        booking.ownerId,
        booking.id,
        `Not booked: Google Calendar did not take the event (${reason})`,
      );
      return new CalendarUnavailableError(
        `Not booked: Google Calendar did not take the event (${reason}). Nothing was booked${retryable ? '; try again in a minute' : ''}.`,
        retryable,
        { cause: error },
      );
    }
    const at = isoIn(booking.startsAt.getTime(), change.timeZone);
    return new CalendarUnavailableError(
      `Not moved: Google Calendar did not take the move to ${at} (${reason}). The booking keeps its time${retryable ? '; try again in a minute' : ''}.`,
      retryable,
      { cause: error },
    );
  }

  async function writeChange(change: BookingChange, what: 'booked' | 'moved'): Promise<void> {
    const calendar = await bookingCalendar(change.booking.ownerId);
    if (!calendar) return;
    try {
      await write(change.booking, calendar, change);
    } catch (error) {
      throw await failed(change, calendar, error, what);
    }
  }

  /** Removes a cancelled booking's event; a failure leaves it for the sync to remove (the cancellation stands). */
  async function remove(booking: BookingRecord): Promise<void> {
    const { integrationId, eventId } = booking.calendar;
    if (!integrationId || !eventId) return;
    const { connected } = await calendars.forBooking(booking.ownerId);
    const calendar = connected.find((c) => c.integrationId === integrationId);
    if (!calendar) return;
    await calendar.provider.deleteEvent(calendar.calendarId, eventId);
    await recordDeleted(db, booking.ownerId, booking.id, eventId);
  }

  const hooks: BookingHooks = {
    booked: (change) => writeChange(change, 'booked'),
    moved: (change) => writeChange(change, 'moved'),
    async cancelled({ booking }) {
      try {
        await remove(booking);
      } catch (error) {
        if (booking.calendar.integrationId)
          await calendars.reportFailure(booking.ownerId, booking.calendar.integrationId, error).catch(() => false);
        logger.warn(
          { err: error, ownerId: booking.ownerId, bookingId: booking.id },
          "a cancelled booking's Google Calendar event was not deleted; the next sync deletes it",
        );
      }
    },
  };

  return { hooks, write, remove, bookingCalendar };
}
