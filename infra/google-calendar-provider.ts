// Google Calendar behind the CalendarProvider port. Writes are idempotent per booking (the event id is
// derived from the booking id, so a retried insert finds its first attempt instead of doubling it);
// 429/5xx/network failures are retried with backoff, a few times at most; a 401 renews the token once.
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { calendar_v3 } from '@googleapis/calendar';
import {
  CalendarError,
  type BusyInterval,
  type CalendarEventChange,
  type CalendarEventInput,
  type CalendarInfo,
  type CalendarProvider,
  type CalendarProviderFactory,
  type CalendarSyncResult,
} from '../core/ports/calendar-provider.ts';
import {
  DEFAULT_RETRY,
  oauthSession,
  serviceAccountSession,
  type GoogleSession,
  type OAuthClientConfig,
  type RetryPolicy,
  type ServiceAccountKey,
} from './google-client.ts';

/** The private extended property that marks an event as one of our bookings. */
export const BOOKING_PROPERTY = 'frontdeskBookingId';
const PAGE_SIZE = 2500;
/** A full listing beyond this many pages (millions of events) is refused rather than read forever. */
const MAX_PAGES = 200;
/** OAuth sessions kept (one per connected Google account); the oldest is dropped past this. */
const MAX_SESSIONS = 500;

export interface GoogleCalendarOptions {
  /** GOOGLE_API_ROOT: the Calendar API's root (Google's when unset). */
  apiRoot?: string;
  serviceAccount?: ServiceAccountKey;
  oauth?: OAuthClientConfig;
  /** Per HTTP request, token requests included. */
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** Events per listing page (Google allows up to 2500); tests make it small to see paging. */
  pageSize?: number;
}

/** Google accepts client-chosen event ids in base32hex ([a-v0-9], 5–1024 characters): hex qualifies. */
export function eventIdFor(bookingId: string): string {
  return createHash('sha256').update(bookingId).digest('hex');
}

function eventBody(event: CalendarEventInput): calendar_v3.Schema$Event {
  return {
    summary: event.summary,
    description: event.description,
    start: { dateTime: event.start.toISOString(), timeZone: event.timeZone },
    end: { dateTime: event.end.toISOString(), timeZone: event.timeZone },
    transparency: 'opaque',
    extendedProperties: { private: { [BOOKING_PROPERTY]: event.bookingId } },
  };
}

/** An all-day event's date counts from midnight UTC: busy time comes from freeBusy, not from these. */
function instant(time: calendar_v3.Schema$EventDateTime | undefined): Date | undefined {
  if (time?.dateTime) return new Date(time.dateTime);
  if (time?.date) return new Date(`${time.date}T00:00:00Z`);
  return undefined;
}

function toChange(event: calendar_v3.Schema$Event): CalendarEventChange | undefined {
  if (!event.id) return undefined;
  const status = event.status === 'cancelled' || event.status === 'tentative' ? event.status : 'confirmed';
  const bookingId = event.extendedProperties?.private?.[BOOKING_PROPERTY];
  return {
    eventId: event.id,
    ...(bookingId ? { bookingId } : {}),
    status,
    ...(status === 'cancelled' ? {} : { start: instant(event.start), end: instant(event.end) }),
    busy: status !== 'cancelled' && event.transparency !== 'transparent',
  };
}

export class GoogleCalendarProvider implements CalendarProvider {
  readonly kind = 'google' as const;
  private readonly policy: RetryPolicy;

  constructor(
    private readonly session: () => Promise<GoogleSession>,
    policy: Partial<RetryPolicy> = {},
    private readonly pageSize = PAGE_SIZE,
  ) {
    this.policy = { ...DEFAULT_RETRY, ...policy };
  }

  /**
   * Runs one API call with our retry policy. `run` may answer a status it expects (a 409, a 410) itself;
   * anything else becomes a CalendarError, retried when retryable.
   */
  private async call<T>(calendarId: string, run: (s: GoogleSession) => Promise<T>): Promise<T> {
    const s = await this.session();
    let renewedToken = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run(s);
      } catch (error) {
        if (s.statusOf(error) === 401 && !renewedToken) {
          renewedToken = true;
          s.forgetToken();
          attempt -= 1;
          continue;
        }
        const failure = s.classify(error, calendarId);
        if (!(failure instanceof CalendarError) || !failure.retryable || attempt >= this.policy.attempts) throw failure;
        const wait = this.backoff(attempt, failure.retryAfterSeconds);
        if (wait === undefined) throw failure;
        await delay(wait);
      }
    }
  }

  private backoff(attempt: number, retryAfterSeconds: number | undefined): number | undefined {
    if (retryAfterSeconds !== undefined) {
      const ms = retryAfterSeconds * 1000;
      return ms <= this.policy.maxRetryAfterMs ? ms : undefined;
    }
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  async checkAccess(calendarId: string): Promise<CalendarInfo> {
    const listed = await this.call(calendarId, async (s) => {
      try {
        return (await s.api.calendarList.get({ calendarId })).data;
      } catch (error) {
        if (s.statusOf(error) === 404) return undefined;
        throw error;
      }
    });
    // A calendar shared with a service account is not on its calendar list until inserted there.
    const entry =
      listed ??
      (await this.call(
        calendarId,
        async (s) => (await s.api.calendarList.insert({ requestBody: { id: calendarId } })).data,
      ));
    const role = entry.accessRole ?? 'none';
    if (role !== 'owner' && role !== 'writer') {
      const s = await this.session();
      throw new CalendarError(s.words.readOnly(calendarId, role), 'access');
    }
    return {
      calendarId: entry.id ?? calendarId,
      ...(entry.summaryOverride || entry.summary
        ? { summary: entry.summaryOverride ?? entry.summary ?? undefined }
        : {}),
      ...(entry.timeZone ? { timeZone: entry.timeZone } : {}),
    };
  }

  async busy(calendarId: string, from: Date, to: Date): Promise<BusyInterval[]> {
    const result = await this.call(
      calendarId,
      async (s) =>
        (
          await s.api.freebusy.query({
            requestBody: { timeMin: from.toISOString(), timeMax: to.toISOString(), items: [{ id: calendarId }] },
          })
        ).data,
    );
    const entry = result.calendars?.[calendarId];
    const errors = entry?.errors ?? [];
    if (!entry || errors.length > 0) {
      const s = await this.session();
      const reason = errors[0]?.reason ?? 'missing';
      if (reason === 'notFound') throw new CalendarError(s.words.notShared(calendarId), 'access');
      throw new CalendarError(
        `Google Calendar could not compute free/busy for "${calendarId}" (${reason})`,
        'unavailable',
      );
    }
    return (entry.busy ?? []).flatMap((span) =>
      span.start && span.end ? [{ start: new Date(span.start), end: new Date(span.end) }] : [],
    );
  }

  private tryInsert(calendarId: string, eventId: string, event: CalendarEventInput): Promise<string | undefined> {
    return this.call(calendarId, async (s) => {
      try {
        const created = await s.api.events.insert({
          calendarId,
          sendUpdates: 'none',
          requestBody: { id: eventId, ...eventBody(event) },
        });
        return created.data.id ?? eventId;
      } catch (error) {
        if (s.statusOf(error) === 409) return undefined;
        throw error;
      }
    });
  }

  private tryPatch(calendarId: string, eventId: string, event: CalendarEventInput): Promise<string | undefined> {
    return this.call(calendarId, async (s) => {
      try {
        // status "confirmed" brings back an event the owner deleted: the customer holds this booking.
        const patched = await s.api.events.patch({
          calendarId,
          eventId,
          sendUpdates: 'none',
          requestBody: { ...eventBody(event), status: 'confirmed' },
        });
        return patched.data.id ?? eventId;
      } catch (error) {
        const status = s.statusOf(error);
        if (status === 404 || status === 410) return undefined;
        throw error;
      }
    });
  }

  async insertEvent(calendarId: string, event: CalendarEventInput): Promise<{ eventId: string }> {
    const id = eventIdFor(event.bookingId);
    // A 409 means an earlier attempt got through (its answer was lost) or the booking was written before.
    const eventId = (await this.tryInsert(calendarId, id, event)) ?? (await this.tryPatch(calendarId, id, event));
    if (!eventId) throw new CalendarError(`Google Calendar neither created nor found event ${id}`, 'unavailable');
    return { eventId };
  }

  async updateEvent(calendarId: string, eventId: string, event: CalendarEventInput): Promise<{ eventId: string }> {
    const patched = await this.tryPatch(calendarId, eventId, event);
    if (patched) return { eventId: patched };
    return this.insertEvent(calendarId, event);
  }

  async deleteEvent(calendarId: string, eventId: string): Promise<void> {
    await this.call(calendarId, async (s) => {
      try {
        await s.api.events.delete({ calendarId, eventId, sendUpdates: 'none' });
      } catch (error) {
        const status = s.statusOf(error);
        if (status !== 404 && status !== 410) throw error;
      }
    });
  }

  async sync(calendarId: string, syncToken: string | undefined): Promise<CalendarSyncResult> {
    const listed = syncToken ? await this.listAll(calendarId, syncToken) : undefined;
    // 410: the token expired (or Google wants a full sync): start over without it.
    const result = listed ?? (await this.listAll(calendarId, undefined));
    if (!result) throw new CalendarError(`Google Calendar refused a full listing of "${calendarId}"`, 'unavailable');
    return { ...result, full: !listed };
  }

  /** Every page of one listing; undefined when Google answers 410 for the sync token. */
  private async listAll(
    calendarId: string,
    syncToken: string | undefined,
  ): Promise<Omit<CalendarSyncResult, 'full'> | undefined> {
    const changes: CalendarEventChange[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const data = await this.call(calendarId, async (s) => {
        try {
          return (
            await s.api.events.list({
              calendarId,
              maxResults: this.pageSize,
              ...(syncToken ? { syncToken } : {}),
              ...(pageToken ? { pageToken } : {}),
            })
          ).data;
        } catch (error) {
          if (syncToken && s.statusOf(error) === 410) return undefined;
          throw error;
        }
      });
      if (!data) return undefined;
      for (const event of data.items ?? []) {
        const change = toChange(event);
        if (change) changes.push(change);
      }
      if (data.nextSyncToken) return { changes, syncToken: data.nextSyncToken };
      if (!data.nextPageToken)
        throw new CalendarError(`Google Calendar ended a listing of "${calendarId}" without a sync token`, 'invalid');
      pageToken = data.nextPageToken;
    }
    throw new CalendarError(`Google Calendar "${calendarId}" has more than ${MAX_PAGES} pages of events`, 'invalid');
  }
}

/** Builds providers: one shared session for the service account, one per refresh token in OAuth mode. */
export function createGoogleCalendarProviders(options: GoogleCalendarOptions): CalendarProviderFactory {
  const sessions = new Map<string, Promise<GoogleSession>>();
  const sessionOptions = { apiRoot: options.apiRoot, timeoutMs: options.timeoutMs };

  const cached = (key: string, open: () => Promise<GoogleSession>) => (): Promise<GoogleSession> => {
    let found = sessions.get(key);
    if (!found) {
      found = open();
      sessions.set(key, found);
      if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      // A failed start (the library did not load) is not kept: the next call tries again.
      found.catch(() => sessions.delete(key));
    }
    return found;
  };

  return (credentials) => {
    if (credentials.mode === 'service_account') {
      const key = options.serviceAccount;
      if (!key) throw new CalendarError('GOOGLE_SERVICE_ACCOUNT_KEY is not set on this server', 'access');
      return new GoogleCalendarProvider(
        cached('service-account', () => serviceAccountSession(key, sessionOptions)),
        options.retry,
        options.pageSize,
      );
    }
    const oauth = options.oauth;
    if (!oauth) throw new CalendarError('GOOGLE_OAUTH_CLIENT_ID is not set on this server', 'access');
    const id = createHash('sha256').update(credentials.refreshToken).digest('base64url');
    return new GoogleCalendarProvider(
      cached(`oauth:${id}`, () => oauthSession(oauth, credentials.refreshToken, sessionOptions)),
      options.retry,
      options.pageSize,
    );
  };
}
