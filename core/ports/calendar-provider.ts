// An external calendar the owner books into (Google Calendar today), as Cal.com has one Calendar
// interface each provider implements. The built-in calendar is the database itself and needs no port.

/** A span of time the calendar says is taken (by an event the owner made, or one of ours). */
export interface BusyInterval {
  start: Date;
  end: Date;
}

/** What a booking writes into the owner's calendar. */
export interface CalendarEventInput {
  /** Our booking id: stored as a private extended property so a sync can tell our events from others. */
  bookingId: string;
  summary: string;
  description?: string;
  start: Date;
  end: Date;
  /** The business's IANA timezone, for how the event shows in the calendar. */
  timeZone: string;
}

/** One event that changed in the calendar since the last sync. */
export interface CalendarEventChange {
  eventId: string;
  /** Set when the event is one of ours (its private extended property). */
  bookingId?: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  /** Absent for cancelled events, which Google returns with only their id. */
  start?: Date;
  end?: Date;
  /** False for events that do not block time ("transparent"/free). */
  busy: boolean;
}

export interface CalendarSyncResult {
  /** With `full`, every event the calendar holds now: anything known before and absent here is gone. */
  changes: CalendarEventChange[];
  /** Pass back to the next sync to get only what changed after this one. */
  syncToken: string;
  /** True when the old sync token had expired and this result is a full listing. */
  full: boolean;
}

/** The calendar access was proven on: `calendarId` is the real id (the account's address for "primary"). */
export interface CalendarInfo {
  calendarId: string;
  summary?: string;
  timeZone?: string;
}

/** How a connection to the calendar is authorised. */
export type CalendarCredentials = { mode: 'service_account' } | { mode: 'oauth'; refreshToken: string };

export interface CalendarProvider {
  readonly kind: 'google';
  /** Proves the calendar can be read and written; throws CalendarError ('access') saying what to share. */
  checkAccess(calendarId: string): Promise<CalendarInfo>;
  busy(calendarId: string, from: Date, to: Date): Promise<BusyInterval[]>;
  /** Idempotent per booking: inserting the same booking again returns its existing event. */
  insertEvent(calendarId: string, event: CalendarEventInput): Promise<{ eventId: string }>;
  /**
   * Makes the event show these details. An event the owner deleted in the calendar is written again,
   * so what the customer was promised is in the calendar: the returned id is the one to keep.
   */
  updateEvent(calendarId: string, eventId: string, event: CalendarEventInput): Promise<{ eventId: string }>;
  /** Deleting an event that is already gone is not an error. */
  deleteEvent(calendarId: string, eventId: string): Promise<void>;
  /** Incremental sync from a sync token (a full listing when undefined or expired). */
  sync(calendarId: string, syncToken: string | undefined): Promise<CalendarSyncResult>;
}

/** Builds a provider for one connection's credentials. */
export type CalendarProviderFactory = (credentials: CalendarCredentials) => CalendarProvider;

/** The owner's consent in OAuth mode: where to send the owner, and the code Google sends back exchanged. */
export interface CalendarOAuth {
  consentUrl(input: { state: string; redirectUri: string }): Promise<string>;
  /** The refresh token is absent when Google gave none (consent given earlier and not asked again). */
  exchangeCode(input: { code: string; redirectUri: string }): Promise<{ refreshToken?: string }>;
}

/**
 * The calendar refused or failed a call. `kind` says what can be done:
 * - 'access': 401/403/404, the owner must share the calendar or reconnect (not retried);
 * - 'rate_limited' / 'unavailable': 429, 5xx or the network (retried with backoff, then reported);
 * - 'invalid': the request itself was refused (400): a bug on our side, not retried.
 */
export class CalendarError extends Error {
  override name = 'CalendarError';
  constructor(
    message: string,
    readonly kind: 'access' | 'rate_limited' | 'unavailable' | 'invalid',
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}
