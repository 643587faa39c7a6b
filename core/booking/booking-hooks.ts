// Where other parts plug into a booking's life: a calendar writer (Google) that must succeed for the
// booking to stand, and listeners (reminders, telling the owner or the customer) that must not undo it.
import type { BusyInterval } from '../ports/calendar-provider.ts';
import type { Channel } from '../conversations/chats.ts';
import type { BookingRecord } from './bookings.ts';

/** Who acts: the owner (API, console) or a customer in a chat (their channel and their id on it). */
export type Actor =
  | { kind: 'owner'; ownerId: string }
  | { kind: 'customer'; ownerId: string; channel: Channel; chatRef: string };

export interface BookingChange {
  booking: BookingRecord;
  /** For a move: the booking as it was. */
  previous?: BookingRecord;
  actor: Actor;
  /** The business's IANA timezone and the service's name, for messages and calendar events. */
  timeZone: string;
  serviceName: string;
}

export interface BookingHooks {
  booked?(change: BookingChange): Promise<void>;
  moved?(change: BookingChange): Promise<void>;
  cancelled?(change: BookingChange): Promise<void>;
}

export interface BookingHookSet {
  /**
   * Run in order once the database has the change. One that throws on `booked` undoes the booking (it is
   * cancelled) and on `moved` moves it back, and the caller gets its error: nothing is promised that
   * the external calendar does not hold. A throw on `cancelled` is logged; the cancellation stands.
   */
  writers: BookingHooks[];
  /** Run after the writers; a throw is logged and changes nothing. */
  listeners: BookingHooks[];
}

/**
 * Extra busy time from outside the database (an external calendar's freeBusy), per staff member (null:
 * the business's own calendar), over [from, to). Availability subtracts it like bookings.
 */
export type ExternalBusySource = (
  ownerId: string,
  staffId: string | null,
  from: Date,
  to: Date,
) => Promise<BusyInterval[]>;
