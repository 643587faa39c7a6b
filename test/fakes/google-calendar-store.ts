// The fake Google's calendars: who may do what (sharing), events with their change order for sync tokens,
// and free/busy. Answers are what Calendar API v3 answers (see google-server.ts for the pages followed);
// failures are thrown as GoogleApiError and turned into Google's error JSON by the server.
import { randomBytes } from 'node:crypto';

export type Role = 'none' | 'freeBusyReader' | 'reader' | 'writer' | 'owner';
const RANK: Record<Role, number> = { none: 0, freeBusyReader: 1, reader: 2, writer: 3, owner: 4 };

export type EventTime = { dateTime: string; timeZone?: string } | { date: string };

export interface FakeEvent {
  id: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  description?: string;
  start: EventTime;
  end: EventTime;
  transparency?: 'opaque' | 'transparent';
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  created: string;
  updated: string;
  /** Who wrote it last: the calendar's owner in Google Calendar, or an API caller. */
  creator: string;
  sequence: number;
  /** Position in the calendar's change order: what sync tokens count. */
  seq: number;
}

export interface FakeCalendar {
  id: string;
  summary: string;
  timeZone: string;
  owner: string;
  acl: Map<string, Role>;
  events: Map<string, FakeEvent>;
  /** Sync tokens issued before this change number answer 410 Gone. */
  tokenFloor: number;
}

/** A Calendar API failure, as Google reports it: status plus one `errors[]` entry. */
export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain = 'global',
    readonly location?: { type: string; name: string },
  ) {
    super(message);
  }
}

/** Google's errors page: the exact answers for the failures the product must tell apart. */
export const ERRORS = {
  notFound: () => new GoogleApiError(404, 'notFound', 'Not Found'),
  deleted: () => new GoogleApiError(410, 'deleted', 'Resource has been deleted'),
  duplicate: () => new GoogleApiError(409, 'duplicate', 'The requested identifier already exists.'),
  writerNeeded: () =>
    new GoogleApiError(403, 'requiredAccessLevel', 'You need to have writer access to this calendar.', 'calendar'),
  timeRangeEmpty: (location: string) =>
    new GoogleApiError(400, 'timeRangeEmpty', 'The specified time range is empty.', 'calendar', {
      type: 'parameter',
      name: location,
    }),
  required: (message: string) => new GoogleApiError(400, 'required', message),
  invalid: (message: string) => new GoogleApiError(400, 'invalid', message),
  fullSyncRequired: () =>
    new GoogleApiError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.', 'global', {
      type: 'parameter',
      name: 'syncToken',
    }),
};

/** Query parameters Google refuses next to a syncToken (events.list reference). */
const NOT_WITH_SYNC_TOKEN = [
  'iCalUID',
  'orderBy',
  'privateExtendedProperty',
  'q',
  'sharedExtendedProperty',
  'timeMin',
  'timeMax',
  'updatedMin',
];
const EVENT_ID = /^[a-v0-9]{5,1024}$/;
const DEFAULT_PAGE = 250;
const MAX_PAGE = 2500;

/** RFC 3339 the way Google writes it (no milliseconds when there are none). */
export const rfc3339 = (date: Date): string => date.toISOString().replace('.000Z', 'Z');

const encodeToken = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
function decodeToken<T>(token: string): T | undefined {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

function instant(time: EventTime, which: string): Date {
  if ('date' in time) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(time.date)) throw ERRORS.invalid(`Invalid ${which} date.`);
    // All-day events count from midnight UTC here: the fake's calendars keep UTC unless a test sets otherwise.
    return new Date(`${time.date}T00:00:00Z`);
  }
  if (typeof time.dateTime !== 'string') throw ERRORS.required(`Missing ${which} time.`);
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(time.dateTime))
    throw ERRORS.invalid(`Missing time zone definition for ${which} time (the fake reads offsets only).`);
  const date = new Date(time.dateTime);
  if (Number.isNaN(date.getTime())) throw ERRORS.invalid(`Invalid ${which} time.`);
  return date;
}

function isEventTime(value: unknown): value is EventTime {
  return typeof value === 'object' && value !== null && ('dateTime' in value || 'date' in value);
}

export function createCalendarStore() {
  const calendars = new Map<string, FakeCalendar>();
  /** principal → calendars on their calendar list (the service account's stays empty until it inserts one). */
  const lists = new Map<string, Set<string>>();
  let changes = 0;

  const listOf = (principal: string): Set<string> => {
    let list = lists.get(principal);
    if (!list) lists.set(principal, (list = new Set()));
    return list;
  };

  const resolve = (principal: string, calendarId: string): string =>
    calendarId === 'primary' ? principal : calendarId;

  const roleOf = (principal: string, calendarId: string): Role => {
    const calendar = calendars.get(calendarId);
    if (!calendar) return 'none';
    if (calendar.owner === principal) return 'owner';
    return calendar.acl.get(principal) ?? 'none';
  };

  /** The calendar if `principal` holds at least `role` on it; Google hides calendars one cannot read. */
  function need(principal: string, calendarId: string, role: Role): FakeCalendar {
    const id = resolve(principal, calendarId);
    const held = roleOf(principal, id);
    const calendar = calendars.get(id);
    if (!calendar || held === 'none' || (RANK[held] < RANK.reader && RANK[role] >= RANK.reader))
      throw ERRORS.notFound();
    if (RANK[held] < RANK[role]) throw ERRORS.writerNeeded();
    return calendar;
  }

  const touch = (calendar: FakeCalendar, event: FakeEvent): FakeEvent => {
    event.seq = ++changes;
    event.updated = new Date().toISOString();
    calendar.events.set(event.id, event);
    return event;
  };

  function view(calendar: FakeCalendar, event: FakeEvent): Record<string, unknown> {
    const etag = `"${event.seq}"`;
    if (event.status === 'cancelled') return { kind: 'calendar#event', etag, id: event.id, status: 'cancelled' };
    return {
      kind: 'calendar#event',
      etag,
      id: event.id,
      status: event.status,
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${calendar.id}`).toString('base64url')}`,
      created: event.created,
      updated: event.updated,
      ...(event.summary !== undefined ? { summary: event.summary } : {}),
      ...(event.description !== undefined ? { description: event.description } : {}),
      creator: { email: event.creator },
      organizer: { email: calendar.id, self: true },
      start: event.start,
      end: event.end,
      ...(event.transparency ? { transparency: event.transparency } : {}),
      iCalUID: `${event.id}@google.com`,
      sequence: event.sequence,
      ...(event.extendedProperties ? { extendedProperties: event.extendedProperties } : {}),
      reminders: { useDefault: true },
      eventType: 'default',
    };
  }

  function checkTimes(start: EventTime, end: EventTime): void {
    if (instant(end, 'end') <= instant(start, 'start')) throw ERRORS.timeRangeEmpty('end');
  }

  const calendarListEntry = (calendar: FakeCalendar, principal: string) => ({
    kind: 'calendar#calendarListEntry',
    etag: `"${calendar.tokenFloor}"`,
    id: calendar.id,
    summary: calendar.summary,
    timeZone: calendar.timeZone,
    accessRole: roleOf(principal, calendar.id),
    ...(calendar.owner === principal && calendar.id === principal ? { primary: true } : {}),
  });

  return {
    /** A Google account (or a service account) with its primary calendar, whose id is the address. */
    addAccount(address: string, options: { timeZone?: string; serviceAccount?: boolean } = {}): FakeCalendar {
      const existing = calendars.get(address);
      if (existing) return existing;
      const calendar: FakeCalendar = {
        id: address,
        summary: address,
        timeZone: options.timeZone ?? 'UTC',
        owner: address,
        acl: new Map(),
        events: new Map(),
        tokenFloor: 0,
      };
      calendars.set(address, calendar);
      listOf(address).add(address);
      return calendar;
    },

    /**
     * The owner shares the calendar ("Settings and sharing", "Share with specific people"). People get it
     * on their calendar list; a service account does not (it must insert it), as Google changed in 2019.
     */
    share(calendarId: string, address: string, role: Role, serviceAccount: boolean): void {
      const calendar = calendars.get(calendarId);
      if (!calendar) throw new Error(`fake Google: no calendar ${calendarId}; addUser first`);
      if (role === 'none') {
        calendar.acl.delete(address);
        listOf(address).delete(calendarId);
        return;
      }
      calendar.acl.set(address, role);
      if (!serviceAccount) listOf(address).add(calendarId);
    },

    calendar: (id: string): FakeCalendar | undefined => calendars.get(id),

    /** An event the owner makes in Google Calendar (it blocks time unless `transparent`). */
    ownerAddsEvent(
      calendarId: string,
      input: { start: EventTime; end: EventTime; summary?: string; transparent?: boolean },
    ): FakeEvent {
      const calendar = calendars.get(calendarId);
      if (!calendar) throw new Error(`fake Google: no calendar ${calendarId}`);
      checkTimes(input.start, input.end);
      const now = new Date().toISOString();
      return touch(calendar, {
        id: randomBytes(13).toString('hex'),
        status: 'confirmed',
        summary: input.summary,
        start: input.start,
        end: input.end,
        transparency: input.transparent ? 'transparent' : undefined,
        created: now,
        updated: now,
        creator: calendar.owner,
        sequence: 0,
        seq: 0,
      });
    },

    ownerMovesEvent(calendarId: string, eventId: string, start: EventTime, end: EventTime): FakeEvent {
      const calendar = calendars.get(calendarId);
      const event = calendar?.events.get(eventId);
      if (!calendar || !event) throw new Error(`fake Google: no event ${eventId} in ${calendarId}`);
      checkTimes(start, end);
      return touch(calendar, { ...event, start, end, sequence: event.sequence + 1, creator: calendar.owner });
    },

    ownerDeletesEvent(calendarId: string, eventId: string): void {
      const calendar = calendars.get(calendarId);
      const event = calendar?.events.get(eventId);
      if (!calendar || !event) throw new Error(`fake Google: no event ${eventId} in ${calendarId}`);
      touch(calendar, { ...event, status: 'cancelled' });
    },

    expireSyncTokens(calendarId: string): void {
      const calendar = calendars.get(calendarId);
      if (calendar) calendar.tokenFloor = changes + 1;
    },

    // ---- Calendar API v3 methods, as `principal` ----

    /** calendars.get */
    getCalendar(principal: string, calendarId: string) {
      const calendar = need(principal, calendarId, 'reader');
      return {
        kind: 'calendar#calendar',
        etag: `"${calendar.tokenFloor}"`,
        id: calendar.id,
        summary: calendar.summary,
        timeZone: calendar.timeZone,
      };
    },

    /** calendarList.get: only calendars on the caller's own list. */
    getListEntry(principal: string, calendarId: string) {
      const id = resolve(principal, calendarId);
      const calendar = calendars.get(id);
      if (!calendar || !listOf(principal).has(id) || roleOf(principal, id) === 'none') throw ERRORS.notFound();
      return calendarListEntry(calendar, principal);
    },

    /** calendarList.insert: adds a calendar shared with the caller to their list. */
    insertListEntry(principal: string, body: Record<string, unknown>) {
      if (typeof body.id !== 'string') throw ERRORS.required('Required');
      const calendar = calendars.get(body.id);
      if (!calendar || roleOf(principal, body.id) === 'none') throw ERRORS.notFound();
      listOf(principal).add(body.id);
      return calendarListEntry(calendar, principal);
    },

    /** freeBusy.query: per calendar, its busy intervals (merged, clipped) or errors. */
    freeBusy(principal: string, body: Record<string, unknown>) {
      if (typeof body.timeMin !== 'string') throw ERRORS.required('Missing timeMin parameter.');
      if (typeof body.timeMax !== 'string') throw ERRORS.required('Missing timeMax parameter.');
      const from = new Date(body.timeMin);
      const to = new Date(body.timeMax);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw ERRORS.invalid('Bad Request');
      if (to <= from) throw ERRORS.timeRangeEmpty('timeMax');
      const items = Array.isArray(body.items) ? (body.items as { id?: unknown }[]) : [];
      if (items.length > 50)
        throw new GoogleApiError(400, 'tooManyCalendarsRequested', 'Too many calendars requested.', 'calendar');
      const result: Record<string, unknown> = {};
      for (const item of items) {
        const requested = String(item.id);
        const id = resolve(principal, requested);
        const calendar = calendars.get(id);
        if (!calendar || roleOf(principal, id) === 'none') {
          result[requested] = { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
          continue;
        }
        const spans = [...calendar.events.values()]
          .filter((event) => event.status !== 'cancelled' && event.transparency !== 'transparent')
          .map((event) => ({ start: instant(event.start, 'start'), end: instant(event.end, 'end') }))
          .filter((span) => span.start < to && span.end > from)
          .map((span) => ({ start: span.start < from ? from : span.start, end: span.end > to ? to : span.end }))
          .sort((a, b) => a.start.getTime() - b.start.getTime());
        const merged: { start: Date; end: Date }[] = [];
        for (const span of spans) {
          const last = merged.at(-1);
          if (last && span.start <= last.end) last.end = new Date(Math.max(span.end.getTime(), last.end.getTime()));
          else merged.push({ ...span });
        }
        result[requested] = { busy: merged.map((span) => ({ start: rfc3339(span.start), end: rfc3339(span.end) })) };
      }
      return { kind: 'calendar#freeBusy', timeMin: rfc3339(from), timeMax: rfc3339(to), calendars: result };
    },

    /** events.list: a full listing, or with syncToken what changed since (deleted ones included). */
    listEvents(principal: string, calendarId: string, query: URLSearchParams) {
      const calendar = need(principal, calendarId, 'reader');
      const syncToken = query.get('syncToken');
      if (syncToken !== null) {
        const clash = NOT_WITH_SYNC_TOKEN.find((name) => query.has(name));
        if (clash) throw ERRORS.invalid(`${clash} cannot be used together with syncToken.`);
        if (query.get('showDeleted') === 'false') throw ERRORS.invalid('showDeleted cannot be false with syncToken.');
      }
      const since = syncToken === null ? 0 : decodeToken<{ c: string; s: number }>(syncToken);
      if (since === undefined || (typeof since === 'object' && since.c !== calendar.id))
        throw ERRORS.invalid('Invalid sync token value.');
      const sinceSeq = typeof since === 'object' ? since.s : 0;
      if (typeof since === 'object' && sinceSeq < calendar.tokenFloor) throw ERRORS.fullSyncRequired();

      const pageSize = Math.min(MAX_PAGE, Math.max(1, Number(query.get('maxResults') ?? DEFAULT_PAGE) || DEFAULT_PAGE));
      const page = query.get('pageToken');
      // Keyset pagination in change order: an event changed while pages are read moves to the end, so none is skipped.
      const after = page === null ? sinceSeq : decodeToken<{ after: number }>(page)?.after;
      if (after === undefined) throw ERRORS.invalid('Invalid page token value.');
      const showDeleted = syncToken !== null || query.get('showDeleted') === 'true';
      const properties = query.getAll('privateExtendedProperty').map((pair) => pair.split('='));
      const timeMin = query.get('timeMin');
      const timeMax = query.get('timeMax');
      const matching = [...calendar.events.values()]
        .filter((event) => event.seq > after && (showDeleted || event.status !== 'cancelled'))
        .filter((event) =>
          properties.every(([key, value]) => event.extendedProperties?.private?.[key ?? ''] === (value ?? '')),
        )
        .filter((event) => !timeMax || instant(event.start, 'start') < new Date(timeMax))
        .filter((event) => !timeMin || instant(event.end, 'end') > new Date(timeMin))
        .sort((a, b) => a.seq - b.seq);
      const items = matching.slice(0, pageSize);
      const more = matching.length > items.length;
      return {
        kind: 'calendar#events',
        etag: `"${changes}"`,
        summary: calendar.summary,
        updated: new Date().toISOString(),
        timeZone: calendar.timeZone,
        accessRole: roleOf(principal, calendar.id),
        defaultReminders: [],
        items: items.map((event) => view(calendar, event)),
        ...(more
          ? { nextPageToken: encodeToken({ after: items.at(-1)?.seq ?? after }) }
          : { nextSyncToken: encodeToken({ c: calendar.id, s: changes }) }),
      };
    },

    /** events.get: a deleted event is still answered, with status "cancelled". */
    getEvent(principal: string, calendarId: string, eventId: string) {
      const calendar = need(principal, calendarId, 'reader');
      const event = calendar.events.get(eventId);
      if (!event) throw ERRORS.notFound();
      return view(calendar, event);
    },

    /** events.insert */
    insertEvent(principal: string, calendarId: string, body: Record<string, unknown>) {
      const calendar = need(principal, calendarId, 'writer');
      if (!isEventTime(body.start)) throw ERRORS.required('Missing start time.');
      if (!isEventTime(body.end)) throw ERRORS.required('Missing end time.');
      checkTimes(body.start, body.end);
      let id: string;
      if (body.id !== undefined) {
        if (typeof body.id !== 'string' || !EVENT_ID.test(body.id)) throw ERRORS.invalid('Invalid resource id value.');
        if (calendar.events.has(body.id)) throw ERRORS.duplicate();
        id = body.id;
      } else id = randomBytes(13).toString('hex');
      const now = new Date().toISOString();
      const event = touch(calendar, {
        id,
        status: body.status === 'tentative' ? 'tentative' : 'confirmed',
        summary: typeof body.summary === 'string' ? body.summary : undefined,
        description: typeof body.description === 'string' ? body.description : undefined,
        start: body.start,
        end: body.end,
        transparency: body.transparency === 'transparent' ? 'transparent' : undefined,
        extendedProperties: body.extendedProperties as FakeEvent['extendedProperties'],
        created: now,
        updated: now,
        creator: principal,
        sequence: 0,
        seq: 0,
      });
      return view(calendar, event);
    },

    /** events.patch: the fields sent replace the stored ones; extendedProperties merge key by key. */
    patchEvent(principal: string, calendarId: string, eventId: string, body: Record<string, unknown>) {
      const calendar = need(principal, calendarId, 'writer');
      const event = calendar.events.get(eventId);
      if (!event) throw ERRORS.notFound();
      const next: FakeEvent = { ...event, creator: principal, sequence: event.sequence + 1 };
      if (body.start !== undefined) {
        if (!isEventTime(body.start)) throw ERRORS.invalid('Invalid start time.');
        next.start = body.start;
      }
      if (body.end !== undefined) {
        if (!isEventTime(body.end)) throw ERRORS.invalid('Invalid end time.');
        next.end = body.end;
      }
      checkTimes(next.start, next.end);
      if (typeof body.summary === 'string') next.summary = body.summary;
      if (typeof body.description === 'string') next.description = body.description;
      if (body.status === 'confirmed' || body.status === 'tentative' || body.status === 'cancelled')
        next.status = body.status;
      if (body.transparency === 'transparent' || body.transparency === 'opaque') next.transparency = body.transparency;
      const properties = body.extendedProperties as FakeEvent['extendedProperties'] | undefined;
      if (properties) {
        const merged = (kind: 'private' | 'shared') =>
          event.extendedProperties?.[kind] || properties[kind]
            ? { [kind]: { ...event.extendedProperties?.[kind], ...properties[kind] } }
            : {};
        next.extendedProperties = { ...merged('private'), ...merged('shared') };
      }
      return view(calendar, touch(calendar, next));
    },

    /** events.delete: 410 when it is already deleted, 404 when it never existed. */
    deleteEvent(principal: string, calendarId: string, eventId: string): void {
      const calendar = need(principal, calendarId, 'writer');
      const event = calendar.events.get(eventId);
      if (!event) throw ERRORS.notFound();
      if (event.status === 'cancelled') throw ERRORS.deleted();
      touch(calendar, { ...event, status: 'cancelled', creator: principal });
    },
  };
}

export type CalendarStore = ReturnType<typeof createCalendarStore>;
