// Proves the fake Google answers the official client (@googleapis/calendar, google-auth-library) the way
// Google's reference says it does, so provider and API tests can trust it.
import { expect } from 'chai';
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { gaxios, JWT, OAuth2Client } from 'google-auth-library';
import {
  CALENDAR_SCOPE,
  FAILURES,
  startFakeGoogle,
  type FakeGoogle,
  type ServiceAccountKeyFile,
} from './google-server.ts';

const OWNER = 'anna.salon@example.com';
const LIBRARY_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The official JWT client, sending its assertion to the key's token_uri (the library's own URL is fixed). */
function serviceAccountAuth(key: ServiceAccountKeyFile, options: { aud?: string; claims?: object } = {}): JWT {
  const auth = new JWT({
    email: key.client_email,
    key: key.private_key,
    scopes: [CALENDAR_SCOPE],
    additionalClaims: { aud: options.aud ?? key.token_uri, ...options.claims },
  });
  auth.transporter.interceptors.request.add({
    resolved: async (request) => {
      request.retry = false;
      request.retryConfig = undefined;
      if (String(request.url) === LIBRARY_TOKEN_URL) request.url = new URL(key.token_uri);
      return request;
    },
  });
  return auth;
}

async function googleError(promise: Promise<unknown>): Promise<gaxios.GaxiosError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(gaxios.GaxiosError);
    return error as gaxios.GaxiosError;
  }
  throw new Error('expected Google to refuse the call');
}

/** The token endpoint's error body: {error, error_description}. */
const descriptionOf = (error: gaxios.GaxiosError): string =>
  String((error.response?.data as { error_description?: string } | undefined)?.error_description);

/** Google's error body: {error: {errors: [{domain, reason, message}], code, message}}. */
function reasonOf(error: gaxios.GaxiosError): { status?: number; reason?: string; domain?: string; code?: number } {
  const body = error.response?.data as { error?: { code?: number; errors?: { reason?: string; domain?: string }[] } };
  return {
    status: error.response?.status,
    reason: body.error?.errors?.[0]?.reason,
    domain: body.error?.errors?.[0]?.domain,
    code: body.error?.code,
  };
}

const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 11, 7, hour, minute));

describe('fake Google Calendar and OAuth server', function () {
  this.timeout(15_000); // RSA key generation per service account
  let fake: FakeGoogle;
  let key: ServiceAccountKeyFile;
  let api: calendar_v3.Calendar;

  beforeEach(async () => {
    fake = await startFakeGoogle();
    key = fake.createServiceAccount();
    fake.addUser(OWNER);
    api = calendar({ version: 'v3', auth: serviceAccountAuth(key), rootUrl: fake.url, retry: false });
  });
  afterEach(() => fake.close());

  describe('token endpoint (service account)', () => {
    it('grants an access token for a JWT signed with the key, sent to token_uri with aud = token_uri', async () => {
      fake.share(OWNER, key.client_email, 'writer');
      const entry = await api.calendarList.insert({ requestBody: { id: OWNER } });
      expect(entry.data.accessRole).to.equal('writer');
      const token = fake.calls.find((call) => call.operation === 'oauth2.token');
      expect(token?.status).to.equal(200);
      expect(token?.body.grant_type).to.equal('urn:ietf:params:oauth:grant-type:jwt-bearer');
    });

    it('refuses a JWT signed with another key: invalid_grant "Invalid JWT Signature."', async () => {
      const other = fake.createServiceAccount();
      const forged = { ...key, private_key: other.private_key };
      const error = await googleError(serviceAccountAuth(forged).getAccessToken());
      expect(error.response?.status).to.equal(400);
      expect(error.response?.data).to.deep.equal({
        error: 'invalid_grant',
        error_description: 'Invalid JWT Signature.',
      });
    });

    it("refuses a JWT whose aud is not the token endpoint (the library's default audience here)", async () => {
      const error = await googleError(serviceAccountAuth(key, { aud: LIBRARY_TOKEN_URL }).getAccessToken());
      expect(descriptionOf(error)).to.match(/audience/);
    });

    it('refuses a JWT living longer than an hour, and an unknown service account', async () => {
      const now = Math.floor(Date.now() / 1000);
      const long = await googleError(
        serviceAccountAuth(key, { claims: { iat: now, exp: now + 7200 } }).getAccessToken(),
      );
      expect(descriptionOf(long)).to.match(/short-lived/);
      const unknown = await googleError(
        serviceAccountAuth({ ...key, client_email: 'gone@fake-project.iam.gserviceaccount.com' }).getAccessToken(),
      );
      expect(unknown.response?.data).to.deep.include({ error: 'invalid_grant' });
    });
  });

  describe('calendar access', () => {
    it('hides a calendar not shared with the caller: calendarList.get, calendarList.insert and calendars.get answer 404 notFound', async () => {
      for (const call of [
        api.calendarList.get({ calendarId: OWNER }),
        api.calendarList.insert({ requestBody: { id: OWNER } }),
        api.calendars.get({ calendarId: OWNER }),
      ]) {
        expect(reasonOf(await googleError(call))).to.deep.equal({
          status: 404,
          reason: 'notFound',
          domain: 'global',
          code: 404,
        });
      }
    });

    it('keeps a calendar shared with a service account off its calendar list until it inserts it', async () => {
      fake.share(OWNER, key.client_email, 'writer');
      expect(reasonOf(await googleError(api.calendarList.get({ calendarId: OWNER }))).status).to.equal(404);
      await api.calendarList.insert({ requestBody: { id: OWNER } });
      const entry = await api.calendarList.get({ calendarId: OWNER });
      expect(entry.data).to.include({ id: OWNER, accessRole: 'writer' });
    });

    it('lets a reader read but answers 403 requiredAccessLevel to a write', async () => {
      fake.share(OWNER, key.client_email, 'reader');
      expect((await api.calendars.get({ calendarId: OWNER })).data.id).to.equal(OWNER);
      const error = await googleError(
        api.events.insert({
          calendarId: OWNER,
          requestBody: { start: { dateTime: at(10).toISOString() }, end: { dateTime: at(11).toISOString() } },
        }),
      );
      expect(reasonOf(error)).to.include({ status: 403, reason: 'requiredAccessLevel', domain: 'calendar' });
    });
  });

  describe('freeBusy.query', () => {
    it("returns the owner's opaque events merged and clipped, skips free ones, and reports an unshared calendar in errors", async () => {
      fake.share(OWNER, key.client_email, 'freeBusyReader');
      fake.addBusyEvent(OWNER, { start: at(9), end: at(10, 30) });
      fake.addBusyEvent(OWNER, { start: at(10), end: at(11) });
      fake.addBusyEvent(OWNER, { start: at(13), end: at(14), transparent: true });
      fake.addBusyEvent(OWNER, { start: at(17), end: at(19) });
      const result = await api.freebusy.query({
        requestBody: {
          timeMin: at(8).toISOString(),
          timeMax: at(18).toISOString(),
          items: [{ id: OWNER }, { id: 'stranger@example.com' }],
        },
      });
      expect(result.data.calendars?.[OWNER]).to.deep.equal({
        busy: [
          { start: '2026-12-07T09:00:00Z', end: '2026-12-07T11:00:00Z' },
          { start: '2026-12-07T17:00:00Z', end: '2026-12-07T18:00:00Z' },
        ],
      });
      expect(result.data.calendars?.['stranger@example.com']).to.deep.equal({
        errors: [{ domain: 'global', reason: 'notFound' }],
        busy: [],
      });
    });

    it('answers 400 timeRangeEmpty when timeMax is not after timeMin', async () => {
      const error = await googleError(
        api.freebusy.query({
          requestBody: { timeMin: at(10).toISOString(), timeMax: at(10).toISOString(), items: [{ id: OWNER }] },
        }),
      );
      expect(reasonOf(error)).to.include({ status: 400, reason: 'timeRangeEmpty' });
    });
  });

  describe('events', () => {
    const body = (id: string, start: Date, end: Date, bookingId = 'booking-1'): calendar_v3.Schema$Event => ({
      id,
      summary: 'Haircut — Olga',
      start: { dateTime: start.toISOString(), timeZone: 'Europe/Berlin' },
      end: { dateTime: end.toISOString(), timeZone: 'Europe/Berlin' },
      extendedProperties: { private: { frontdeskBookingId: bookingId } },
    });

    beforeEach(() => fake.share(OWNER, key.client_email, 'writer'));

    it('inserts with a client id, refuses the same id again (409 duplicate) and an id outside base32hex (400)', async () => {
      const created = await api.events.insert({ calendarId: OWNER, requestBody: body('abc0123456', at(10), at(11)) });
      expect(created.data).to.include({ id: 'abc0123456', status: 'confirmed', summary: 'Haircut — Olga' });
      const again = await googleError(
        api.events.insert({ calendarId: OWNER, requestBody: body('abc0123456', at(10), at(11)) }),
      );
      expect(reasonOf(again)).to.include({ status: 409, reason: 'duplicate' });
      const bad = await googleError(
        api.events.insert({ calendarId: OWNER, requestBody: body('XYZ-!', at(10), at(11)) }),
      );
      expect(reasonOf(bad)).to.include({ status: 400, reason: 'invalid' });
    });

    it('patches times and keeps extended properties; deletes once (204), then answers 410 deleted; get shows it cancelled', async () => {
      await api.events.insert({ calendarId: OWNER, requestBody: body('abc0123456', at(10), at(11)) });
      const moved = await api.events.patch({
        calendarId: OWNER,
        eventId: 'abc0123456',
        requestBody: { start: { dateTime: at(12).toISOString() }, end: { dateTime: at(13).toISOString() } },
      });
      expect(moved.data.start?.dateTime).to.equal('2026-12-07T12:00:00.000Z');
      expect(moved.data.extendedProperties?.private).to.deep.equal({ frontdeskBookingId: 'booking-1' });
      expect((await api.events.delete({ calendarId: OWNER, eventId: 'abc0123456' })).status).to.equal(204);
      const twice = await googleError(api.events.delete({ calendarId: OWNER, eventId: 'abc0123456' }));
      expect(reasonOf(twice)).to.include({ status: 410, reason: 'deleted' });
      expect((await api.events.get({ calendarId: OWNER, eventId: 'abc0123456' })).data.status).to.equal('cancelled');
      const missing = await googleError(api.events.patch({ calendarId: OWNER, eventId: 'nothere00', requestBody: {} }));
      expect(reasonOf(missing)).to.include({ status: 404, reason: 'notFound' });
    });

    it('lists only the events carrying a private extended property when asked with privateExtendedProperty', async () => {
      await api.events.insert({ calendarId: OWNER, requestBody: body('abc0000001', at(10), at(11), 'b-1') });
      await api.events.insert({ calendarId: OWNER, requestBody: body('abc0000002', at(12), at(13), 'b-2') });
      fake.addBusyEvent(OWNER, { start: at(14), end: at(15) });
      const found = await api.events.list({ calendarId: OWNER, privateExtendedProperty: ['frontdeskBookingId=b-2'] });
      expect(found.data.items?.map((event) => event.id)).to.deep.equal(['abc0000002']);
    });

    it('syncs: a full listing ends with nextSyncToken; then only what changed, deletions included', async () => {
      await api.events.insert({ calendarId: OWNER, requestBody: body('abc0000001', at(10), at(11)) });
      const owners = fake.addBusyEvent(OWNER, { start: at(14), end: at(15) });
      const full = await api.events.list({ calendarId: OWNER });
      expect(full.data.items).to.have.length(2);
      expect(full.data.nextSyncToken).to.be.a('string');

      fake.moveEvent(OWNER, owners.id, at(16), at(17));
      fake.deleteEvent(OWNER, 'abc0000001');
      const added = fake.addBusyEvent(OWNER, { start: at(8), end: at(9) });
      const changed = await api.events.list({ calendarId: OWNER, syncToken: full.data.nextSyncToken ?? '' });
      const seen = changed.data.items?.map((event) => [event.id, event.status, event.start?.dateTime]);
      expect(seen).to.deep.equal([
        [owners.id, 'confirmed', '2026-12-07T16:00:00Z'],
        ['abc0000001', 'cancelled', undefined],
        [added.id, 'confirmed', '2026-12-07T08:00:00Z'],
      ]);
      const nothing = await api.events.list({ calendarId: OWNER, syncToken: changed.data.nextSyncToken ?? '' });
      expect(nothing.data.items).to.deep.equal([]);
    });

    it('pages with nextPageToken and gives nextSyncToken on the last page only', async () => {
      for (let hour = 8; hour < 13; hour += 1) fake.addBusyEvent(OWNER, { start: at(hour), end: at(hour, 30) });
      const ids: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      let syncToken: string | null | undefined;
      do {
        const page = await api.events.list({ calendarId: OWNER, maxResults: 2, ...(pageToken ? { pageToken } : {}) });
        pages += 1;
        ids.push(...(page.data.items ?? []).map((event) => event.id ?? ''));
        pageToken = page.data.nextPageToken ?? undefined;
        syncToken = page.data.nextSyncToken;
        expect(Boolean(pageToken)).to.equal(!syncToken);
      } while (pageToken);
      expect(pages).to.equal(3);
      expect(new Set(ids).size).to.equal(5);
      expect(syncToken).to.be.a('string');
    });

    it('refuses syncToken with privateExtendedProperty or timeMin (400) and answers 410 fullSyncRequired for an expired token', async () => {
      const full = await api.events.list({ calendarId: OWNER });
      const syncToken = full.data.nextSyncToken ?? '';
      for (const extra of [{ privateExtendedProperty: ['frontdeskBookingId=x'] }, { timeMin: at(1).toISOString() }]) {
        const error = await googleError(api.events.list({ calendarId: OWNER, syncToken, ...extra }));
        expect(reasonOf(error).status).to.equal(400);
      }
      fake.expireSyncTokens(OWNER);
      const gone = await googleError(api.events.list({ calendarId: OWNER, syncToken }));
      expect(reasonOf(gone)).to.include({ status: 410, reason: 'fullSyncRequired' });
    });
  });

  describe('injected failures', () => {
    beforeEach(() => fake.share(OWNER, key.client_email, 'writer'));
    const freeBusy = () =>
      api.freebusy.query({
        requestBody: { timeMin: at(8).toISOString(), timeMax: at(9).toISOString(), items: [{ id: OWNER }] },
      });

    it("answers each with Google's error JSON: 403 rateLimitExceeded (usageLimits) differs from 403 forbidden", async () => {
      fake.failNext('calendar.freebusy.query', FAILURES.rateLimitExceeded);
      fake.failNext('calendar.freebusy.query', FAILURES.forbidden);
      expect(reasonOf(await googleError(freeBusy()))).to.deep.equal({
        status: 403,
        reason: 'rateLimitExceeded',
        domain: 'usageLimits',
        code: 403,
      });
      expect(reasonOf(await googleError(freeBusy()))).to.deep.equal({
        status: 403,
        reason: 'forbidden',
        domain: 'global',
        code: 403,
      });
      expect((await freeBusy()).status).to.equal(200);
    });

    it('sends Retry-After with a 429, and 500/503 backendError', async () => {
      fake.failNext('*', { ...FAILURES.tooManyRequests, retryAfter: 7 });
      const limited = await googleError(freeBusy());
      expect(limited.response?.status).to.equal(429);
      expect(limited.response?.headers.get('retry-after')).to.equal('7');
      fake.failNext('calendar.freebusy.query', FAILURES.backendError);
      fake.failNext('calendar.freebusy.query', FAILURES.serviceUnavailable);
      expect(reasonOf(await googleError(freeBusy()))).to.include({ status: 500, reason: 'backendError' });
      expect(reasonOf(await googleError(freeBusy()))).to.include({ status: 503, reason: 'backendError' });
    });

    it('answers 401 authError once access tokens expire, and a fresh token works again', async () => {
      await freeBusy();
      fake.expireAccessTokens();
      expect(reasonOf(await googleError(freeBusy()))).to.include({ status: 401, reason: 'authError' });
      api = calendar({ version: 'v3', auth: serviceAccountAuth(key), rootUrl: fake.url, retry: false });
      expect((await freeBusy()).status).to.equal(200);
    });

    it('makes an applied failure real: the event exists although the answer was a 503', async () => {
      fake.failNext('calendar.events.insert', { ...FAILURES.serviceUnavailable, applied: true });
      await googleError(
        api.events.insert({
          calendarId: OWNER,
          requestBody: {
            id: 'abc0123456',
            start: { dateTime: at(10).toISOString() },
            end: { dateTime: at(11).toISOString() },
          },
        }),
      );
      expect(fake.events(OWNER).map((event) => event.id)).to.deep.equal(['abc0123456']);
    });

    it('holds a hanging call until the client gives up, and waitFor sees it', async () => {
      fake.failNext('calendar.freebusy.query', { status: 0, hang: true });
      const held = fake.waitFor((call) => call.operation === 'calendar.freebusy.query');
      const error = await googleError(
        api.freebusy.query(
          { requestBody: { timeMin: at(8).toISOString(), timeMax: at(9).toISOString(), items: [{ id: OWNER }] } },
          { timeout: 200 },
        ),
      );
      expect(error.response).to.equal(undefined);
      expect((await held).status).to.equal(undefined);
    });
  });

  describe('OAuth (web server flow)', () => {
    const CLIENT = 'client-1.apps.googleusercontent.com';
    const SECRET = 'client-secret-1';
    const REDIRECT = 'http://127.0.0.1:9/api/integrations/calendar/oauth/callback';
    let client: OAuth2Client;

    beforeEach(() => {
      fake.addOAuthClient(CLIENT, SECRET, [REDIRECT]);
      client = new OAuth2Client({
        clientId: CLIENT,
        clientSecret: SECRET,
        endpoints: { oauth2AuthBaseUrl: fake.authUrl, oauth2TokenUrl: fake.tokenUrl },
      });
    });

    /** What the browser does: open the consent URL, get redirected back; the redirect's query. */
    async function consent(prompt?: string): Promise<URLSearchParams> {
      const url = client.generateAuthUrl({
        access_type: 'offline',
        scope: [CALENDAR_SCOPE],
        state: 'state-123',
        redirect_uri: REDIRECT,
        ...(prompt ? { prompt } : {}),
      });
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).to.equal(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.origin + location.pathname).to.equal(REDIRECT);
      return location.searchParams;
    }

    it("redirects back with a code and the state; the code gives a refresh token that reaches the user's primary calendar", async () => {
      fake.setConsent(OWNER);
      const back = await consent('consent');
      expect(back.get('state')).to.equal('state-123');
      const { tokens } = await client.getToken({ code: back.get('code') ?? '', redirect_uri: REDIRECT });
      expect(tokens.refresh_token).to.be.a('string');

      const user = new OAuth2Client({
        clientId: CLIENT,
        clientSecret: SECRET,
        endpoints: { oauth2TokenUrl: fake.tokenUrl },
      });
      user.setCredentials({ refresh_token: tokens.refresh_token });
      const own = calendar({ version: 'v3', auth: user, rootUrl: fake.url, retry: false });
      const entry = await own.calendarList.get({ calendarId: 'primary' });
      expect(entry.data).to.include({ id: OWNER, accessRole: 'owner', primary: true });
    });

    it('gives a refresh token again only with prompt=consent, and a code only once', async () => {
      fake.setConsent(OWNER);
      const first = await consent();
      expect(
        (await client.getToken({ code: first.get('code') ?? '', redirect_uri: REDIRECT })).tokens.refresh_token,
      ).to.be.a('string');
      const second = await consent();
      const again = await client.getToken({ code: second.get('code') ?? '', redirect_uri: REDIRECT });
      expect(again.tokens.refresh_token).to.equal(undefined);
      const reused = await googleError(client.getToken({ code: second.get('code') ?? '', redirect_uri: REDIRECT }));
      expect(reused.response?.data).to.deep.include({ error: 'invalid_grant' });
    });

    it('sends error=access_denied when the user presses Deny, and refuses an unregistered redirect URI with a page', async () => {
      fake.setConsent(OWNER, false);
      const denied = await consent();
      expect(denied.get('error')).to.equal('access_denied');
      expect(denied.get('state')).to.equal('state-123');
      const url = client.generateAuthUrl({ scope: [CALENDAR_SCOPE], redirect_uri: 'https://evil.example/cb' });
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).to.equal(400);
      expect(await response.text()).to.include('redirect_uri_mismatch');
    });

    it('answers invalid_grant "Token has been expired or revoked." once the user removes the app, and invalid_client for a wrong secret', async () => {
      fake.setConsent(OWNER);
      const back = await consent('consent');
      const { tokens } = await client.getToken({ code: back.get('code') ?? '', redirect_uri: REDIRECT });
      fake.revokeAccess(OWNER);
      client.setCredentials({ refresh_token: tokens.refresh_token });
      const revoked = await googleError(client.refreshAccessToken());
      expect(revoked.response?.data).to.deep.equal({
        error: 'invalid_grant',
        error_description: 'Token has been expired or revoked.',
      });
      const wrong = new OAuth2Client({
        clientId: CLIENT,
        clientSecret: 'nope',
        endpoints: { oauth2TokenUrl: fake.tokenUrl },
      });
      const refused = await googleError(wrong.getToken({ code: 'x', redirect_uri: REDIRECT }));
      expect(refused.response?.status).to.equal(401);
      expect(refused.response?.data).to.deep.include({ error: 'invalid_client' });
    });
  });
});
