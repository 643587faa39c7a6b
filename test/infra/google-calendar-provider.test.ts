// The CalendarProvider contract, run against GoogleCalendarProvider over real HTTP to the fake Google, once per
// way of access (the deployment's service account; an owner's own account through OAuth).
import { expect } from 'chai';
import { CalendarError, type CalendarEventInput, type CalendarProvider } from '../../core/ports/calendar-provider.ts';
import { BOOKING_PROPERTY, createGoogleCalendarProviders, eventIdFor } from '../../infra/google-calendar-provider.ts';
import { createGoogleCalendarOAuth } from '../../infra/google-calendar-oauth.ts';
import { FAILURES, startFakeGoogle, type FakeGoogle, type Operation } from '../fakes/google-server.ts';

const OWNER = 'anna.salon@example.com';
const QUICK_RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1000 };
const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 11, day, hour, minute));

async function calendarError(promise: Promise<unknown>): Promise<CalendarError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(CalendarError);
    return error as CalendarError;
  }
  throw new Error('expected a CalendarError');
}

const booking = (id: string, start: Date, end: Date): CalendarEventInput => ({
  bookingId: id,
  summary: 'Haircut — Olga Petrenko',
  description: 'Phone +380 50 123 45 67',
  start,
  end,
  timeZone: 'Europe/Berlin',
});

interface Connection {
  provider: CalendarProvider;
  /** What checkAccess is given: the owner's address, or "primary" for their own account. */
  calendarId: string;
  /** Google stops giving access (unshared, or the app removed from the account). */
  loseAccess(): void;
  /** Words the access error must contain. */
  accessWords: RegExp;
}

const modes: {
  name: string;
  connect(fake: FakeGoogle, options?: { timeoutMs?: number; pageSize?: number }): Promise<Connection>;
}[] = [
  {
    name: 'service account',
    async connect(fake, options = {}) {
      const key = fake.createServiceAccount();
      fake.share(OWNER, key.client_email, 'writer');
      const providers = createGoogleCalendarProviders({
        apiRoot: fake.url,
        serviceAccount: {
          clientEmail: key.client_email,
          privateKey: key.private_key,
          privateKeyId: key.private_key_id,
          tokenUri: key.token_uri,
        },
        timeoutMs: options.timeoutMs ?? 5000,
        retry: QUICK_RETRY,
        pageSize: options.pageSize,
      });
      return {
        provider: providers({ mode: 'service_account' }),
        calendarId: OWNER,
        loseAccess: () => fake.share(OWNER, key.client_email, 'none'),
        accessWords: new RegExp(`not shared with ${key.client_email.replace(/[.]/g, '\\.')}.*Make changes to events`),
      };
    },
  },
  {
    name: 'OAuth',
    async connect(fake, options = {}) {
      const oauth = { clientId: 'client-1', clientSecret: 'secret-1', authUrl: fake.authUrl, tokenUrl: fake.tokenUrl };
      const redirectUri = 'http://127.0.0.1:9/api/integrations/calendar/oauth/callback';
      fake.addOAuthClient(oauth.clientId, oauth.clientSecret, [redirectUri]);
      fake.setConsent(OWNER);
      const consent = createGoogleCalendarOAuth(oauth, 5000);
      const url = await consent.consentUrl({ state: 'state-1', redirectUri });
      const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '');
      const { refreshToken } = await consent.exchangeCode({ code: back.searchParams.get('code') ?? '', redirectUri });
      const providers = createGoogleCalendarProviders({
        apiRoot: fake.url,
        oauth,
        timeoutMs: options.timeoutMs ?? 5000,
        retry: QUICK_RETRY,
        pageSize: options.pageSize,
      });
      return {
        provider: providers({ mode: 'oauth', refreshToken: refreshToken ?? '' }),
        calendarId: 'primary',
        loseAccess: () => fake.revokeAccess(OWNER),
        accessWords: /revoked or has expired.*connect Google Calendar again/,
      };
    },
  },
];

for (const mode of modes) {
  describe(`GoogleCalendarProvider (${mode.name}) against the fake Google`, function () {
    this.timeout(15_000); // an RSA key per service account
    let fake: FakeGoogle;
    let google: Connection;
    let provider: CalendarProvider;
    const count = (operation: Operation) => fake.calls.filter((call) => call.operation === operation).length;

    beforeEach(async () => {
      fake = await startFakeGoogle();
      fake.addUser(OWNER, { timeZone: 'Europe/Berlin' });
      google = await mode.connect(fake);
      provider = google.provider;
    });
    afterEach(() => fake.close());

    it('proves access with a real call and names the calendar and its time zone', async () => {
      expect(await provider.checkAccess(google.calendarId)).to.deep.include({
        calendarId: OWNER,
        timeZone: 'Europe/Berlin',
      });
    });

    it("reports the owner's busy time from freeBusy, not the free events", async () => {
      fake.addBusyEvent(OWNER, { start: at(7, 9), end: at(7, 10) });
      fake.addBusyEvent(OWNER, { start: at(7, 12), end: at(7, 13), transparent: true });
      expect(await provider.busy(OWNER, at(7, 0), at(8, 0))).to.deep.equal([{ start: at(7, 9), end: at(7, 10) }]);
    });

    it('writes a booking as an event carrying the booking id, and the same booking twice as one event', async () => {
      const first = await provider.insertEvent(OWNER, booking('b-1', at(7, 10), at(7, 11)));
      const again = await provider.insertEvent(OWNER, booking('b-1', at(7, 10), at(7, 11)));
      expect(again.eventId).to.equal(first.eventId);
      const events = fake.events(OWNER);
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.include({
        id: eventIdFor('b-1'),
        summary: 'Haircut — Olga Petrenko',
        description: 'Phone +380 50 123 45 67',
        extendedProperties: { private: { [BOOKING_PROPERTY]: 'b-1' } },
      });
      expect(events[0]?.start).to.deep.equal({ dateTime: at(7, 10).toISOString(), timeZone: 'Europe/Berlin' });
    });

    it('writes one event when Google made it but its answer was lost (a 503 after the insert)', async () => {
      fake.failNext('calendar.events.insert', { ...FAILURES.serviceUnavailable, applied: true });
      const { eventId } = await provider.insertEvent(OWNER, booking('b-2', at(7, 10), at(7, 11)));
      expect(fake.events(OWNER).map((event) => event.id)).to.deep.equal([eventId]);
      expect(count('calendar.events.insert')).to.equal(2);
    });

    it('moves an event, and writes it again when the owner had deleted it in Google', async () => {
      const { eventId } = await provider.insertEvent(OWNER, booking('b-3', at(7, 10), at(7, 11)));
      await provider.updateEvent(OWNER, eventId, booking('b-3', at(7, 15), at(7, 16)));
      expect(fake.events(OWNER)[0]?.start).to.deep.include({ dateTime: at(7, 15).toISOString() });
      fake.deleteEvent(OWNER, eventId);
      const restored = await provider.updateEvent(OWNER, eventId, booking('b-3', at(7, 17), at(7, 18)));
      expect(restored.eventId).to.equal(eventId);
      expect(fake.events(OWNER).map((event) => [event.id, event.status])).to.deep.equal([[eventId, 'confirmed']]);
      const fresh = await provider.updateEvent(OWNER, 'neverexisted01', booking('b-4', at(8, 9), at(8, 10)));
      expect(fresh.eventId).to.equal(eventIdFor('b-4'));
    });

    it('deletes an event, and takes an event already gone (or never there) as deleted', async () => {
      const { eventId } = await provider.insertEvent(OWNER, booking('b-5', at(7, 10), at(7, 11)));
      await provider.deleteEvent(OWNER, eventId);
      await provider.deleteEvent(OWNER, eventId);
      await provider.deleteEvent(OWNER, 'neverexisted01');
      expect(fake.events(OWNER)).to.deep.equal([]);
    });

    it("syncs: a full listing first, then only the owner's changes, our events known by their booking id", async () => {
      const ours = await provider.insertEvent(OWNER, booking('b-6', at(7, 10), at(7, 11)));
      const lunch = fake.addBusyEvent(OWNER, { start: at(7, 12), end: at(7, 13) });
      const full = await provider.sync(OWNER, undefined);
      expect(full.full).to.equal(true);
      expect(full.changes.map((change) => [change.eventId, change.bookingId])).to.deep.equal([
        [ours.eventId, 'b-6'],
        [lunch.id, undefined],
      ]);

      fake.moveEvent(OWNER, ours.eventId, at(7, 14), at(7, 15));
      fake.deleteEvent(OWNER, lunch.id);
      const meeting = fake.addBusyEvent(OWNER, { start: at(8, 9), end: at(8, 10), transparent: true });
      const next = await provider.sync(OWNER, full.syncToken);
      expect(next.full).to.equal(false);
      expect(next.changes).to.deep.equal([
        { eventId: ours.eventId, bookingId: 'b-6', status: 'confirmed', start: at(7, 14), end: at(7, 15), busy: true },
        { eventId: lunch.id, status: 'cancelled', busy: false },
        { eventId: meeting.id, status: 'confirmed', start: at(8, 9), end: at(8, 10), busy: false },
      ]);
      expect((await provider.sync(OWNER, next.syncToken)).changes).to.deep.equal([]);
    });

    it('syncs in full again when the sync token has expired (410)', async () => {
      fake.addBusyEvent(OWNER, { start: at(7, 12), end: at(7, 13) });
      const first = await provider.sync(OWNER, undefined);
      fake.expireSyncTokens(OWNER);
      const again = await provider.sync(OWNER, first.syncToken);
      expect(again.full).to.equal(true);
      expect(again.changes).to.have.length(1);
    });

    it('reads every page of a long listing', async () => {
      google = await mode.connect(fake, { pageSize: 2 });
      for (let hour = 8; hour < 15; hour += 1) fake.addBusyEvent(OWNER, { start: at(9, hour), end: at(9, hour, 30) });
      const result = await google.provider.sync(OWNER, undefined);
      expect(result.changes).to.have.length(7);
      expect(count('calendar.events.list')).to.equal(4);
    });

    it("retries 429 (after Google's Retry-After), 5xx and 403 rateLimitExceeded, then succeeds", async () => {
      fake.failNext('calendar.freebusy.query', { ...FAILURES.tooManyRequests, retryAfter: 0 });
      fake.failNext('calendar.freebusy.query', FAILURES.backendError);
      await provider.busy(OWNER, at(7, 0), at(8, 0));
      fake.failNext('calendar.freebusy.query', FAILURES.rateLimitExceeded);
      await provider.busy(OWNER, at(7, 0), at(8, 0));
      expect(count('calendar.freebusy.query')).to.equal(5);
    });

    it('gives up after a bounded number of tries: unavailable, retryable', async () => {
      fake.failNext('calendar.freebusy.query', FAILURES.serviceUnavailable, 10);
      const error = await calendarError(provider.busy(OWNER, at(7, 0), at(8, 0)));
      expect(error).to.include({ kind: 'unavailable', retryable: true });
      expect(count('calendar.freebusy.query')).to.equal(QUICK_RETRY.attempts);
    });

    it('does not wait out a long Retry-After: rate_limited with the seconds to wait, at once', async () => {
      fake.failNext('calendar.events.insert', { ...FAILURES.tooManyRequests, retryAfter: 120 });
      const error = await calendarError(provider.insertEvent(OWNER, booking('b-7', at(7, 10), at(7, 11))));
      expect(error).to.include({ kind: 'rate_limited', retryAfterSeconds: 120 });
      expect(count('calendar.events.insert')).to.equal(1);
    });

    it('ends a call Google does not answer within the timeout: unavailable', async () => {
      google = await mode.connect(fake, { timeoutMs: 300 });
      fake.failNext('calendar.freebusy.query', { status: 0, hang: true }, QUICK_RETRY.attempts);
      const error = await calendarError(google.provider.busy(OWNER, at(7, 0), at(8, 0)));
      expect(error.kind).to.equal('unavailable');
    });

    it('renews an access token Google stopped accepting (401) once, without the caller noticing', async () => {
      await provider.busy(OWNER, at(7, 0), at(8, 0));
      fake.expireAccessTokens();
      await provider.busy(OWNER, at(7, 0), at(8, 0));
      expect(
        fake.calls.filter((call) => call.operation === 'calendar.freebusy.query').map((call) => call.status),
      ).to.deep.equal([200, 401, 200]);
    });

    it('does not retry a refused request: 403 forbidden is access, 400 is invalid', async () => {
      fake.failNext('calendar.events.insert', FAILURES.forbidden);
      expect((await calendarError(provider.insertEvent(OWNER, booking('b-8', at(7, 10), at(7, 11))))).kind).to.equal(
        'access',
      );
      fake.failNext('calendar.events.insert', { status: 400, reason: 'invalid', message: 'Invalid value' });
      const invalid = await calendarError(provider.insertEvent(OWNER, booking('b-8', at(7, 10), at(7, 11))));
      expect(invalid).to.include({ kind: 'invalid', retryable: false });
      expect(count('calendar.events.insert')).to.equal(2);
    });

    it('reports lost access as access, in words the owner can act on', async () => {
      await provider.checkAccess(google.calendarId);
      google.loseAccess();
      fake.expireAccessTokens();
      for (const call of [provider.checkAccess(google.calendarId), provider.busy(OWNER, at(7, 0), at(8, 0))]) {
        const error = await calendarError(call);
        expect(error.kind).to.equal('access');
        expect(error.message).to.match(google.accessWords);
      }
    });
  });
}

describe('GoogleCalendarProvider: service-account specifics', function () {
  this.timeout(15_000);
  let fake: FakeGoogle;
  afterEach(() => fake.close());

  async function setUp() {
    fake = await startFakeGoogle();
    fake.addUser(OWNER);
    const key = fake.createServiceAccount();
    const serviceAccount = {
      clientEmail: key.client_email,
      privateKey: key.private_key,
      tokenUri: key.token_uri,
    };
    const provider = createGoogleCalendarProviders({
      apiRoot: fake.url,
      serviceAccount,
      timeoutMs: 5000,
      retry: QUICK_RETRY,
    })({ mode: 'service_account' });
    return { key, provider, serviceAccount };
  }

  it('says exactly what to share with whom when the calendar is not shared, or shared read-only', async () => {
    const { key, provider } = await setUp();
    const unshared = await calendarError(provider.checkAccess(OWNER));
    expect(unshared.kind).to.equal('access');
    expect(unshared.message).to.include(`add ${key.client_email} under "Share with specific people"`);
    expect(unshared.message).to.include('"Make changes to events"');
    fake.share(OWNER, key.client_email, 'reader');
    const readOnly = await calendarError(provider.checkAccess(OWNER));
    expect(readOnly.message).to.include(`only to see events: change the permission for ${key.client_email}`);
  });

  it("sends its JWT to the key file's token_uri and calls the Calendar API at the given root only", async () => {
    const { key, provider } = await setUp();
    fake.share(OWNER, key.client_email, 'writer');
    await provider.checkAccess(OWNER);
    expect(fake.calls.map((call) => call.operation)).to.deep.equal([
      'oauth2.token',
      'calendar.calendarList.get',
      'calendar.calendarList.insert',
    ]);
  });

  it('tells the administrator to check the key when Google refuses it, and calls an unreachable token endpoint unavailable', async () => {
    const { provider, serviceAccount } = await setUp();
    const forgotten = createGoogleCalendarProviders({
      apiRoot: fake.url,
      serviceAccount: { ...serviceAccount, clientEmail: 'deleted@fake-project.iam.gserviceaccount.com' },
      timeoutMs: 5000,
      retry: QUICK_RETRY,
    })({ mode: 'service_account' });
    const refused = await calendarError(forgotten.checkAccess(OWNER));
    expect(refused.kind).to.equal('access');
    expect(refused.message).to.match(/GOOGLE_SERVICE_ACCOUNT_KEY/);
    fake.failNext('oauth2.token', { status: 503, reason: 'temporarily_unavailable', message: 'Try later' }, 5);
    const down = await calendarError(provider.checkAccess(OWNER));
    expect(down.kind).to.equal('unavailable');
  });
});

describe('GoogleCalendarOAuth: consent', () => {
  let fake: FakeGoogle;
  afterEach(() => fake.close());

  it('asks for offline access with consent (so a refresh token comes back), with the state and redirect URI', async () => {
    fake = await startFakeGoogle();
    const oauth = createGoogleCalendarOAuth(
      { clientId: 'client-1', clientSecret: 'secret-1', authUrl: fake.authUrl, tokenUrl: fake.tokenUrl },
      5000,
    );
    const url = new URL(await oauth.consentUrl({ state: 'st-1', redirectUri: 'https://desk.example/cb' }));
    expect(url.origin + url.pathname).to.equal(fake.authUrl);
    expect(Object.fromEntries(url.searchParams)).to.include({
      client_id: 'client-1',
      redirect_uri: 'https://desk.example/cb',
      response_type: 'code',
      access_type: 'offline',
      prompt: 'consent',
      state: 'st-1',
      scope: 'https://www.googleapis.com/auth/calendar',
    });
  });

  it('turns a code Google refuses into an access error saying to start again', async () => {
    fake = await startFakeGoogle();
    fake.addOAuthClient('client-1', 'secret-1', ['https://desk.example/cb']);
    const oauth = createGoogleCalendarOAuth(
      { clientId: 'client-1', clientSecret: 'secret-1', authUrl: fake.authUrl, tokenUrl: fake.tokenUrl },
      5000,
    );
    const error = await calendarError(oauth.exchangeCode({ code: 'forged', redirectUri: 'https://desk.example/cb' }));
    expect(error.kind).to.equal('access');
    expect(error.message).to.match(/did not accept the sign-in \(invalid_grant/);
  });
});
