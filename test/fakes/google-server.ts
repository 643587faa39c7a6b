// A local fake of Google Calendar API v3 and Google's OAuth 2.0 endpoints over real HTTP on 127.0.0.1, for
// the official client (@googleapis/calendar with `rootUrl`, google-auth-library with the key's token_uri
// and OAuth2Client `endpoints`). Written from Google's reference pages, read 2026-12-04:
//   - Calendar API "Handle API errors" (developers.google.com/workspace/calendar/api/guides/errors): the
//     error JSON {error: {errors: [{domain, reason, message}], code, message}}, 401 authError, 403
//     rateLimitExceeded/userRateLimitExceeded vs forbidden/requiredAccessLevel, 404 notFound, 409
//     duplicate, 410 fullSyncRequired/deleted, 429 rateLimitExceeded, 500/503 backendError;
//   - "Synchronize resources efficiently" (…/calendar/api/guides/sync): nextSyncToken on the last page
//     only, deleted entries always in an incremental result, 410 GONE for an expired token;
//   - reference: events.list (syncToken cannot go with iCalUID, orderBy, privateExtendedProperty, q,
//     sharedExtendedProperty, timeMin, timeMax, updatedMin), events.insert/patch/delete/get (client ids
//     in base32hex [a-v0-9], 5–1024 characters), freebusy.query (per-calendar `errors` with notFound),
//     calendars.get, calendarList.get/insert (a calendar shared with a service account is not on its
//     calendar list until inserted), the Events resource (extendedProperties.private, transparency);
//   - OAuth 2.0 "for Server to Server Applications" (developers.google.com/identity/protocols/oauth2/
//     service-account): the RS256 JWT with iss, scope, aud = token endpoint, iat, exp at most an hour
//     later, grant_type urn:ietf:params:oauth:grant-type:jwt-bearer, invalid_grant answers;
//   - OAuth 2.0 "for Web Server Applications" (…/oauth2/web-server): the consent URL parameters
//     (client_id, redirect_uri, response_type=code, scope, access_type=offline, prompt, state), the
//     redirect back with code or error=access_denied, the authorization_code and refresh_token grants, a
//     refresh token only on first consent or prompt=consent, "Token has been expired or revoked.".
// Not faked: recurring events, attendees, push notifications (watch), batch requests, ETag preconditions.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccounts, CALENDAR_SCOPE, type ServiceAccountKeyFile } from './google-accounts.ts';
import {
  createCalendarStore,
  GoogleApiError,
  rfc3339,
  type EventTime,
  type FakeCalendar,
  type FakeEvent,
  type Role,
} from './google-calendar-store.ts';

export { CALENDAR_SCOPE, type ServiceAccountKeyFile } from './google-accounts.ts';
export type { FakeEvent, Role } from './google-calendar-store.ts';

/** Google's method ids, plus `oauth2.token` and `oauth2.authorize` for the OAuth endpoints. */
export type Operation =
  | 'calendar.calendars.get'
  | 'calendar.calendarList.get'
  | 'calendar.calendarList.insert'
  | 'calendar.freebusy.query'
  | 'calendar.events.list'
  | 'calendar.events.get'
  | 'calendar.events.insert'
  | 'calendar.events.patch'
  | 'calendar.events.delete'
  | 'oauth2.token'
  | 'oauth2.authorize'
  | 'unknown';

export interface RecordedCall {
  operation: Operation;
  method: string;
  path: string;
  query: URLSearchParams;
  /** The JSON body (calendar) or the form fields (token endpoint). */
  body: Record<string, unknown>;
  /** Whose token made the call (calendar operations with a valid token). */
  principal?: string;
  status?: number;
}

/** An injected failure. `status` with a Calendar `reason`, or an OAuth `error` on the token endpoint. */
export interface Failure {
  status: number;
  reason?: string;
  message?: string;
  domain?: string;
  /** Seconds, sent as a Retry-After header. */
  retryAfter?: number;
  /** Never answer (the client's timeout must end the call); the connection closes with the server. */
  hang?: boolean;
  /** Do what was asked, then fail anyway: the change is made but its answer lost, as after a timeout. */
  applied?: boolean;
}

/** The failures Google's errors page lists, ready to inject. */
export const FAILURES = {
  invalidCredentials: {
    status: 401,
    reason: 'authError',
    message: 'Invalid Credentials',
  },
  rateLimitExceeded: {
    status: 403,
    reason: 'rateLimitExceeded',
    message: 'Rate Limit Exceeded',
    domain: 'usageLimits',
  },
  userRateLimitExceeded: {
    status: 403,
    reason: 'userRateLimitExceeded',
    message: 'User Rate Limit Exceeded',
    domain: 'usageLimits',
  },
  forbidden: { status: 403, reason: 'forbidden', message: 'Forbidden' },
  notFound: { status: 404, reason: 'notFound', message: 'Not Found' },
  tooManyRequests: {
    status: 429,
    reason: 'rateLimitExceeded',
    message: 'Rate Limit Exceeded',
    domain: 'usageLimits',
  },
  backendError: { status: 500, reason: 'backendError', message: 'Backend Error' },
  serviceUnavailable: { status: 503, reason: 'backendError', message: 'Backend Error' },
} satisfies Record<string, Failure>;

export interface FakeGoogle {
  /** `rootUrl` for @googleapis/calendar and GOOGLE_API_ROOT: `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** The token endpoint (a service-account key's token_uri; OAuth2Client's oauth2TokenUrl). */
  readonly tokenUrl: string;
  /** The consent page (OAuth2Client's oauth2AuthBaseUrl). */
  readonly authUrl: string;
  readonly calls: RecordedCall[];
  /** A service account with a fresh RSA key: the JSON key file Google Cloud's console hands out. */
  createServiceAccount(email?: string): ServiceAccountKeyFile;
  /** A Google account with its primary calendar (id = the address). */
  addUser(email: string, options?: { timeZone?: string }): void;
  /** An OAuth client ("Web application") with its authorised redirect URIs. */
  addOAuthClient(clientId: string, clientSecret: string, redirectUris: string[]): void;
  /** Who is signed in to Google in the browser that opens the consent page, and whether they press Allow. */
  setConsent(user: string | undefined, approve?: boolean): void;
  /** The owner shares the calendar with `email` ("Make changes to events" = writer); `none` unshares. */
  share(calendarId: string, email: string, role: Role): void;
  /** The owner makes an event in Google Calendar; it blocks time unless `transparent`. */
  addBusyEvent(
    calendarId: string,
    input: { start: Date; end: Date; summary?: string; transparent?: boolean; allDay?: boolean },
  ): FakeEvent;
  moveEvent(calendarId: string, eventId: string, start: Date, end: Date): FakeEvent;
  deleteEvent(calendarId: string, eventId: string): void;
  /** The calendar's events as Google holds them (deleted ones only with `includeDeleted`). */
  events(calendarId: string, options?: { includeDeleted?: boolean }): FakeEvent[];
  calendar(calendarId: string): FakeCalendar | undefined;
  /** Every sync token issued so far for this calendar answers 410 Gone. */
  expireSyncTokens(calendarId: string): void;
  /** Every access token issued so far answers 401; clients must fetch new ones. */
  expireAccessTokens(): void;
  /** The user removes the application from their Google account: refresh and access tokens stop working. */
  revokeAccess(user: string): void;
  /** Every refresh token the token endpoint has issued, for tests that check where they end up. */
  refreshTokens(): string[];
  /** The next `times` calls of `operation` fail (`*`: any Calendar API call). */
  failNext(operation: Operation | '*', failure: Failure, times?: number): void;
  waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  close(): Promise<void>;
}

interface Route {
  operation: Operation;
  run(principal: string, body: Record<string, unknown>, query: URLSearchParams): unknown;
}

const googleError = (status: number, reason: string, message: string, domain = 'global', location?: object) => ({
  error: {
    errors: [{ domain, reason, message, ...location }],
    code: status,
    message,
  },
});

async function readBody(request: IncomingMessage): Promise<{ raw: string; type: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return { raw: Buffer.concat(chunks).toString('utf8'), type: request.headers['content-type'] ?? '' };
}

const toTime = (date: Date, allDay?: boolean): EventTime =>
  allDay ? { date: date.toISOString().slice(0, 10) } : { dateTime: rfc3339(date) };

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const calls: RecordedCall[] = [];
  const failures: { operation: Operation | '*'; failure: Failure; left: number }[] = [];
  const waiters = new Set<{ predicate: (call: RecordedCall) => boolean; resolve: (call: RecordedCall) => void }>();
  const held = new Set<ServerResponse>();
  let consent: { user: string | undefined; approve: boolean } = { user: undefined, approve: true };
  let base = '';
  const accounts = createAccounts(() => `${base}/token`);
  const store = createCalendarStore();

  const notify = (): void => {
    for (const waiter of [...waiters]) {
      const found = calls.find(waiter.predicate);
      if (found) {
        waiters.delete(waiter);
        waiter.resolve(found);
      }
    }
  };

  const takeFailure = (operation: Operation): Failure | undefined => {
    const index = failures.findIndex(
      (entry) => entry.operation === operation || (entry.operation === '*' && operation.startsWith('calendar.')),
    );
    const entry = failures[index];
    if (!entry) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) failures.splice(index, 1);
    return entry.failure;
  };

  function route(method: string, parts: string[]): Route | undefined {
    const [a, b, c, d] = parts;
    if (a === 'freeBusy' && parts.length === 1 && method === 'POST')
      return { operation: 'calendar.freebusy.query', run: (who, body) => store.freeBusy(who, body) };
    if (a === 'users' && b === 'me' && c === 'calendarList') {
      if (d !== undefined && parts.length === 4 && method === 'GET')
        return { operation: 'calendar.calendarList.get', run: (who) => store.getListEntry(who, d) };
      if (parts.length === 3 && method === 'POST')
        return { operation: 'calendar.calendarList.insert', run: (who, body) => store.insertListEntry(who, body) };
    }
    if (a !== 'calendars' || b === undefined) return undefined;
    if (parts.length === 2 && method === 'GET')
      return { operation: 'calendar.calendars.get', run: (who) => store.getCalendar(who, b) };
    if (c !== 'events') return undefined;
    if (parts.length === 3 && method === 'GET')
      return { operation: 'calendar.events.list', run: (who, _body, query) => store.listEvents(who, b, query) };
    if (parts.length === 3 && method === 'POST')
      return { operation: 'calendar.events.insert', run: (who, body) => store.insertEvent(who, b, body) };
    if (d === undefined || parts.length !== 4) return undefined;
    if (method === 'GET') return { operation: 'calendar.events.get', run: (who) => store.getEvent(who, b, d) };
    if (method === 'PATCH')
      return { operation: 'calendar.events.patch', run: (who, body) => store.patchEvent(who, b, d, body) };
    if (method === 'DELETE') return { operation: 'calendar.events.delete', run: (who) => store.deleteEvent(who, b, d) };
    return undefined;
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const { raw, type } = await readBody(request);
    const call: RecordedCall = {
      operation: 'unknown',
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body: {},
    };
    calls.push(call);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      call.status = status;
      if (status === 204) response.writeHead(204, headers).end();
      else
        response
          .writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers })
          .end(JSON.stringify(body));
      notify();
    };
    /** Answers an injected failure; true when one was due. */
    const failed = (failure: Failure | undefined, oauth: boolean): boolean => {
      if (!failure) return false;
      if (failure.hang) {
        held.add(response);
        response.on('close', () => held.delete(response));
        notify();
        return true;
      }
      const headers = failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : undefined;
      const message = failure.message ?? 'Injected failure';
      send(
        failure.status,
        oauth
          ? { error: failure.reason ?? 'server_error', error_description: message }
          : googleError(failure.status, failure.reason ?? 'backendError', message, failure.domain),
        headers,
      );
      return true;
    };

    if (url.pathname === '/token' && request.method === 'POST') {
      call.operation = 'oauth2.token';
      const form = new URLSearchParams(type.startsWith('application/x-www-form-urlencoded') ? raw : '');
      call.body = Object.fromEntries(form);
      if (failed(takeFailure('oauth2.token'), true)) return;
      const answer = accounts.token(form, request.headers.authorization);
      return send(answer.status, answer.body);
    }
    if (url.pathname === '/o/oauth2/v2/auth' && request.method === 'GET') {
      call.operation = 'oauth2.authorize';
      const answer = accounts.consent(url.searchParams, consent.user, consent.approve);
      call.status = answer.status;
      if (answer.location) response.writeHead(302, { location: answer.location }).end();
      else response.writeHead(answer.status, { 'content-type': 'text/html' }).end(`<p>${answer.page}</p>`);
      return notify();
    }

    const prefix = '/calendar/v3/';
    const parts = url.pathname.startsWith(prefix)
      ? url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent)
      : [];
    const found = route(call.method, parts);
    if (!found) return send(404, googleError(404, 'notFound', 'Not Found'));
    call.operation = found.operation;
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, googleError(400, 'parseError', 'Parse Error'));
      }
    }
    call.body = body;
    const grant = accounts.bearer(request.headers.authorization);
    if (!grant)
      return send(
        401,
        googleError(401, 'authError', 'Invalid Credentials', 'global', {
          locationType: 'header',
          location: 'Authorization',
        }),
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      );
    call.principal = grant.principal;
    const failure = takeFailure(found.operation);
    if (!failure?.applied && failed(failure, false)) return;
    if (!grant.scopes.includes(CALENDAR_SCOPE))
      return send(403, googleError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.'));
    try {
      const result = found.run(grant.principal, body, url.searchParams);
      if (failed(failure, false)) return;
      return send(result === undefined ? 204 : 200, result);
    } catch (error) {
      if (!(error instanceof GoogleApiError)) throw error;
      const location = error.location
        ? { locationType: error.location.type, location: error.location.name }
        : undefined;
      return send(error.status, googleError(error.status, error.reason, error.message, error.domain, location));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const need = (calendarId: string): FakeCalendar => {
    const calendar = store.calendar(calendarId);
    if (!calendar) throw new Error(`fake Google: no calendar ${calendarId}; addUser first`);
    return calendar;
  };

  return {
    url: `${base}/`,
    tokenUrl: `${base}/token`,
    authUrl: `${base}/o/oauth2/v2/auth`,
    calls,
    createServiceAccount(email) {
      const key = accounts.createServiceAccount(email);
      store.addAccount(key.client_email, { serviceAccount: true });
      return key;
    },
    addUser: (email, options) => void store.addAccount(email, options),
    addOAuthClient: (clientId, clientSecret, redirectUris) => accounts.addClient(clientId, clientSecret, redirectUris),
    setConsent(user, approve = true) {
      consent = { user, approve };
    },
    share: (calendarId, email, role) => store.share(calendarId, email, role, accounts.isServiceAccount(email)),
    addBusyEvent: (calendarId, input) =>
      store.ownerAddsEvent(calendarId, {
        start: toTime(input.start, input.allDay),
        end: toTime(input.end, input.allDay),
        summary: input.summary ?? 'Busy',
        transparent: input.transparent,
      }),
    moveEvent: (calendarId, eventId, start, end) =>
      store.ownerMovesEvent(calendarId, eventId, toTime(start), toTime(end)),
    deleteEvent: (calendarId, eventId) => store.ownerDeletesEvent(calendarId, eventId),
    events: (calendarId, options = {}) =>
      [...need(calendarId).events.values()]
        .filter((event) => options.includeDeleted || event.status !== 'cancelled')
        .map((event) => structuredClone(event)),
    calendar: (calendarId) => store.calendar(calendarId),
    expireSyncTokens: (calendarId) => store.expireSyncTokens(calendarId),
    expireAccessTokens: () => accounts.expireAccessTokens(),
    revokeAccess: (user) => accounts.revokeGrants(user),
    refreshTokens: () => accounts.refreshTokensIssued(),
    failNext(operation, failure, times = 1) {
      failures.push({ operation, failure, left: times });
    },
    waitFor(predicate, timeoutMs = 5000) {
      return new Promise<RecordedCall>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = calls.map((c) => `  ${c.method} ${c.path} (${c.operation}) → ${c.status ?? 'held'}`).join('\n');
          reject(new Error(`fake Google: no matching call within ${timeoutMs} ms; calls seen:\n${seen || '  (none)'}`));
        }, timeoutMs);
        const waiter = {
          predicate,
          resolve: (call: RecordedCall) => {
            clearTimeout(timer);
            resolve(call);
          },
        };
        waiters.add(waiter);
        notify();
      });
    },
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
