// Connecting a Google Calendar end to end: the real system over HTTP, Google replaced by the fake Google
// over HTTP, in both modes (a calendar shared with the service account; the owner's own account via OAuth).
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { CalendarError } from '../../core/ports/calendar-provider.ts';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { FAILURES, startFakeGoogle, type FakeGoogle, type ServiceAccountKeyFile } from '../fakes/google-server.ts';

const CALLBACK = '/api/integrations/calendar/oauth/callback';
const googleUser = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const at = (hour: number) => new Date(Date.UTC(2026, 11, 8, hour));

describe('api: Google Calendar connection, service-account mode', function () {
  this.timeout(60_000);
  let fake: FakeGoogle;
  let key: ServiceAccountKeyFile;
  let t: TestSystem;

  before(async () => {
    fake = await startFakeGoogle();
    key = fake.createServiceAccount();
    t = await startTestSystem({
      env: { GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(key), GOOGLE_API_ROOT: fake.url },
    });
  });
  after(async () => {
    await t?.close();
    await fake?.close();
  });

  /** An owner and a Google account of theirs with a calendar (not shared yet). */
  async function ownerWithCalendar(): Promise<{ owner: RegisteredOwner; calendar: string }> {
    const owner = await registerOwner(t.http);
    const calendar = googleUser('salon');
    fake.addUser(calendar, { timeZone: 'Europe/Berlin' });
    return { owner, calendar };
  }

  async function connected(owner: RegisteredOwner, calendar: string): Promise<string> {
    fake.share(calendar, key.client_email, 'writer');
    const response = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: calendar },
    });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }

  const listed = async (owner: RegisteredOwner) =>
    (await t.http.get('/api/integrations/', { token: owner.access })).body as Record<string, unknown>[];

  it('tells the owner which address to share with before anything is connected', async () => {
    const { owner } = await ownerWithCalendar();
    const setup = await t.http.get('/api/integrations/calendar/setup', { token: owner.access });
    expect(setup.body).to.deep.equal({ service_account: { share_with: key.client_email }, oauth: false });
  });

  it('answers 422 naming the address to share with while the calendar is not shared; once shared, test connects it', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    const refused = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: calendar },
    });
    expect(refused.status, refused.text).to.equal(422);
    expect(refused.body.detail[0].loc).to.deep.equal(['body', 'email']);
    expect(refused.body.detail[0].msg).to.include(`add ${key.client_email} under "Share with specific people"`);
    expect(refused.body.detail[0].msg).to.include('"Make changes to events"');
    expect(refused.body.detail[0].msg).to.include(calendar);

    const [pending] = await listed(owner);
    expect(pending).to.include({
      type: 'calendar',
      status: 'pending',
      mode: 'service_account',
      calendar_id: calendar,
      share_with: key.client_email,
      connected_at: null,
    });

    fake.share(calendar, key.client_email, 'writer');
    const test = await t.http.post(`/api/integrations/${pending?.id}/test`, { token: owner.access });
    expect(test.status, test.text).to.equal(200);
    expect(test.body.ok).to.equal(true);
    expect(test.body.integration).to.include({ status: 'connected', status_reason: null });
    expect((await listed(owner))[0]).to.include({ status: 'connected', calendar_id: calendar });
  });

  it('connects a calendar already shared at once (201, with share_with), and checks it again when sent again (200)', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    fake.share(calendar, key.client_email, 'writer');
    const first = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: ` ${calendar.toUpperCase()} ` },
    });
    expect(first.status, first.text).to.equal(201);
    expect(first.body).to.include({
      type: 'calendar',
      status: 'connected',
      share_with: key.client_email,
      calendar_id: calendar,
      mode: 'service_account',
    });
    expect(first.body.connected_at).to.be.a('string');
    const again = await t.http.post('/api/integrations/calendar/', { token: owner.access, body: { email: calendar } });
    expect(again.status, again.text).to.equal(200);
    expect(again.body.id).to.equal(first.body.id);
    expect(await listed(owner)).to.have.length(1);
  });

  it('refuses a read-only share with 422 asking for "Make changes to events"', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    fake.share(calendar, key.client_email, 'reader');
    const refused = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: calendar },
    });
    expect(refused.status).to.equal(422);
    expect(refused.body.detail[0].msg).to.include(
      `change the permission for ${key.client_email} to "Make changes to events"`,
    );
  });

  it('refuses something that is not a calendar address with 422 on the field', async () => {
    const { owner } = await ownerWithCalendar();
    const refused = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: 'my salon' },
    });
    expect(refused.status).to.equal(422);
    expect(refused.body.detail[0].loc).to.deep.equal(['body', 'email']);
  });

  it('turns the connection to error, with the reason, when Google access is lost later', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    const id = await connected(owner, calendar);
    fake.share(calendar, key.client_email, 'none');
    const test = await t.http.post(`/api/integrations/${id}/test`, { token: owner.access });
    expect(test.body.ok).to.equal(false);
    expect(test.body.integration.status).to.equal('error');
    expect(test.body.integration.status_reason).to.include(`is not shared with ${key.client_email}`);

    fake.share(calendar, key.client_email, 'writer');
    const back = await t.http.post(`/api/integrations/${id}/start`, { token: owner.access });
    expect(back.body).to.include({ status: 'connected', status_reason: null });
  });

  it('lets booking use a connected calendar and report lost access, which the owner then sees', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    const id = await connected(owner, calendar);
    fake.addBusyEvent(calendar, { start: at(10), end: at(11) });
    const [google] = await t.system.calendars.connected(owner.id);
    expect(google).to.include({ integrationId: id, calendarId: calendar });
    expect(await google?.provider.busy(calendar, at(0), at(23))).to.deep.equal([{ start: at(10), end: at(11) }]);

    fake.share(calendar, key.client_email, 'none');
    const failure = await google?.provider.busy(calendar, at(0), at(23)).catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(CalendarError);
    expect(await t.system.calendars.reportFailure(owner.id, id, failure)).to.equal(true);
    expect((await listed(owner))[0]).to.include({ status: 'error' });
    expect((await listed(owner))[0]?.status_reason).to.include(key.client_email);
    expect(await t.system.calendars.connected(owner.id)).to.deep.equal([]);
  });

  it('leaves out, and turns to error, a connection whose mode the server no longer offers', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    await connected(owner, calendar);
    const withoutGoogle = await startTestSystem();
    try {
      expect(await withoutGoogle.system.calendars.connected(owner.id)).to.deep.equal([]);
      const [row] = (await withoutGoogle.http.get('/api/integrations/', { token: owner.access })).body;
      expect(row).to.include({ status: 'error' });
      expect(row.status_reason).to.include('GOOGLE_SERVICE_ACCOUNT_KEY');
    } finally {
      await withoutGoogle.close();
    }
  });

  it('keeps the connection pending and answers 503 when Google cannot be reached', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    fake.share(calendar, key.client_email, 'writer');
    fake.failNext('*', FAILURES.serviceUnavailable, 3);
    const response = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: calendar },
    });
    expect(response.status, response.text).to.equal(503);
    expect(response.body.detail).to.match(/cannot be reached/);
    expect((await listed(owner))[0]).to.include({ status: 'pending' });
  });

  it("keeps owners apart: B cannot see, test, start, stop or delete A's calendar, nor connect the same calendar", async () => {
    const a = await ownerWithCalendar();
    const id = await connected(a.owner, a.calendar);
    const b = await registerOwner(t.http);
    expect(await listed(b)).to.deep.equal([]);
    for (const action of ['test', 'start', 'stop']) {
      const response = await t.http.post(`/api/integrations/${id}/${action}`, { token: b.access });
      expect(response.status, action).to.equal(404);
    }
    expect((await t.http.delete(`/api/integrations/${id}`, { token: b.access })).status).to.equal(404);
    const taken = await t.http.post('/api/integrations/calendar/', { token: b.access, body: { email: a.calendar } });
    expect(taken.status).to.equal(409);
    expect((await listed(a.owner))[0]).to.include({ id, status: 'connected' });
  });

  it('forgets the connection on DELETE', async () => {
    const { owner, calendar } = await ownerWithCalendar();
    const id = await connected(owner, calendar);
    expect((await t.http.delete(`/api/integrations/${id}`, { token: owner.access })).status).to.equal(204);
    expect(await listed(owner)).to.deep.equal([]);
    expect(await t.system.db.knex('integrations').where({ id }).first()).to.equal(undefined);
  });

  it('offers no Google sign-in here (409 saying how to connect instead) and never logs the key', async () => {
    const { owner } = await ownerWithCalendar();
    const start = await t.http.get('/api/integrations/calendar/oauth/start', { token: owner.access });
    expect(start.status).to.equal(409);
    expect(start.body.detail).to.include(key.client_email);
    const keyBody = key.private_key.split('\n')[1] ?? key.private_key;
    expect(t.logs.join('')).not.to.include(keyBody);
  });
});

describe('api: Google Calendar connection, OAuth mode', function () {
  this.timeout(60_000);
  let fake: FakeGoogle;
  let t: TestSystem;
  const CLIENT_ID = 'frontdesk-test.apps.googleusercontent.com';
  const CLIENT_SECRET = 'GOCSPX-test-secret';

  before(async () => {
    fake = await startFakeGoogle();
    t = await startTestSystem({
      env: {
        GOOGLE_OAUTH_CLIENT_ID: CLIENT_ID,
        GOOGLE_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
        GOOGLE_OAUTH_AUTH_URL: fake.authUrl,
        GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
        GOOGLE_API_ROOT: fake.url,
      },
    });
    // Without PUBLIC_URL the callback is under the address the owner's console used.
    fake.addOAuthClient(CLIENT_ID, CLIENT_SECRET, [`${t.url}${CALLBACK}`]);
  });
  after(async () => {
    await t?.close();
    await fake?.close();
  });

  /** The owner's browser: consent URL from the API, Google's page, the redirect back; the callback's URL. */
  async function consent(owner: RegisteredOwner, user: string, approve = true): Promise<string> {
    const start = await t.http.get('/api/integrations/calendar/oauth/start', { token: owner.access });
    expect(start.status, start.text).to.equal(200);
    fake.setConsent(user, approve);
    const google = await fetch(start.body.url, { redirect: 'manual' });
    const location = google.headers.get('location') ?? '';
    expect(location.startsWith(`${t.url}${CALLBACK}?`), location).to.equal(true);
    return location.slice(t.url.length);
  }

  async function connectedOwner(): Promise<{ owner: RegisteredOwner; user: string; id: string; callback: string }> {
    const owner = await registerOwner(t.http);
    const user = googleUser('owner');
    fake.addUser(user, { timeZone: 'Europe/Kyiv' });
    const callback = await consent(owner, user);
    const done = await t.http.get(callback);
    expect(done.status, done.text).to.equal(200);
    return { owner, user, id: done.body.id, callback };
  }

  it("connects the owner's own Google Calendar through Google's consent, storing the refresh token sealed and never showing it", async () => {
    const owner = await registerOwner(t.http);
    const user = googleUser('owner');
    fake.addUser(user, { timeZone: 'Europe/Kyiv' });
    const start = await t.http.get('/api/integrations/calendar/oauth/start', { token: owner.access });
    const url = new URL(start.body.url);
    expect(url.origin + url.pathname).to.equal(fake.authUrl);
    expect(url.searchParams.get('redirect_uri')).to.equal(`${t.url}${CALLBACK}`);
    expect(url.searchParams.get('state')).to.have.length.greaterThan(40);

    fake.setConsent(user);
    const google = await fetch(start.body.url, { redirect: 'manual' });
    const done = await t.http.get((google.headers.get('location') ?? '').slice(t.url.length));
    expect(done.status, done.text).to.equal(200);
    expect(done.body).to.include({ type: 'calendar', status: 'connected', mode: 'oauth', calendar_id: user });
    expect(done.body).not.to.have.property('share_with');

    const [refreshToken] = fake.refreshTokens().slice(-1);
    const list = await t.http.get('/api/integrations/', { token: owner.access });
    expect(list.body).to.have.length(1);
    const row = await t.system.db.knex('integrations').where({ id: done.body.id }).first();
    const code = new URL(google.headers.get('location') ?? '').searchParams.get('code') ?? '';
    for (const shown of [done.text, list.text, row.secrets_sealed as string, t.logs.join('')])
      expect(shown).not.to.include(refreshToken);
    expect(t.logs.join('')).not.to.include(code);
    expect(JSON.parse(t.system.secretBox.decrypt(row.secrets_sealed))).to.deep.equal({ refresh_token: refreshToken });

    fake.addBusyEvent(user, { start: at(9), end: at(10) });
    const [calendar] = await t.system.calendars.connected(owner.id);
    expect(await calendar?.provider.busy(user, at(0), at(23))).to.deep.equal([{ start: at(9), end: at(10) }]);
  });

  it('refuses a replayed state and a forged one (422), connecting nothing more', async () => {
    const { owner, callback } = await connectedOwner();
    const replay = await t.http.get(callback);
    expect(replay.status, replay.text).to.equal(422);
    expect(replay.body.detail[0].loc).to.deep.equal(['query', 'state']);
    const forged = await t.http.get(`${CALLBACK}?state=${'x'.repeat(43)}&code=4/fake-anything`);
    expect(forged.status).to.equal(422);
    const missing = await t.http.get(`${CALLBACK}?code=4/fake-anything`);
    expect(missing.status).to.equal(422);
    expect((await t.http.get('/api/integrations/', { token: owner.access })).body).to.have.length(1);
  });

  it('says so when the owner presses Deny, and the state cannot be used again', async () => {
    const owner = await registerOwner(t.http);
    const user = googleUser('denier');
    fake.addUser(user);
    const callback = await consent(owner, user, false);
    const denied = await t.http.get(callback);
    expect(denied.status).to.equal(422);
    expect(denied.body.detail[0].msg).to.match(/access_denied.*choose Allow/);
    expect((await t.http.get(callback)).body.detail[0].loc).to.deep.equal(['query', 'state']);
    expect((await t.http.get('/api/integrations/', { token: owner.access })).body).to.deep.equal([]);
  });

  it('turns the connection to error when the owner removes Frontdesk from their Google account', async () => {
    const { owner, user, id } = await connectedOwner();
    fake.revokeAccess(user);
    fake.expireAccessTokens();
    const test = await t.http.post(`/api/integrations/${id}/test`, { token: owner.access });
    expect(test.body.ok).to.equal(false);
    expect(test.body.integration.status).to.equal('error');
    expect(test.body.integration.status_reason).to.match(/revoked or has expired.*connect Google Calendar again/);
  });

  it('connects the calendar to the owner who started; B cannot see, test or delete it, nor connect the same Google account', async () => {
    const a = await connectedOwner();
    expect((await t.http.get('/api/integrations/', { token: a.owner.access })).body[0]).to.include({ id: a.id });
    const b = await registerOwner(t.http);
    expect((await t.http.get('/api/integrations/', { token: b.access })).body).to.deep.equal([]);
    expect((await t.http.post(`/api/integrations/${a.id}/test`, { token: b.access })).status).to.equal(404);
    expect((await t.http.delete(`/api/integrations/${a.id}`, { token: b.access })).status).to.equal(404);

    // B signs in with A's Google account: the calendar is A's already.
    const taken = await t.http.get(await consent(b, a.user));
    expect(taken.status).to.equal(409);
  });

  it('forgets the refresh token on DELETE', async () => {
    const { owner, id } = await connectedOwner();
    expect((await t.http.delete(`/api/integrations/${id}`, { token: owner.access })).status).to.equal(204);
    expect(await t.system.db.knex('integrations').where({ id }).first()).to.equal(undefined);
  });

  it('answers the service-account route with 409 pointing at Google sign-in', async () => {
    const owner = await registerOwner(t.http);
    const response = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: 'someone@example.com' },
    });
    expect(response.status).to.equal(409);
    expect(response.body.detail).to.include('/api/integrations/calendar/oauth/start');
  });
});

describe('api: Google Calendar OAuth callback under PUBLIC_URL', function () {
  this.timeout(60_000);

  it('sends Google the callback under PUBLIC_URL as redirect_uri', async () => {
    const fake = await startFakeGoogle();
    const t = await startTestSystem({
      env: {
        PUBLIC_URL: 'https://desk.example',
        GOOGLE_OAUTH_CLIENT_ID: 'client',
        GOOGLE_OAUTH_CLIENT_SECRET: 'secret',
        GOOGLE_OAUTH_AUTH_URL: fake.authUrl,
        GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
        GOOGLE_API_ROOT: fake.url,
      },
    });
    try {
      const owner = await registerOwner(t.http);
      const start = await t.http.get('/api/integrations/calendar/oauth/start', { token: owner.access });
      expect(new URL(start.body.url).searchParams.get('redirect_uri')).to.equal(`https://desk.example${CALLBACK}`);
    } finally {
      await t.close();
      await fake.close();
    }
  });

  it('answers 409 for every calendar route when Google is not set up at all', async () => {
    const t = await startTestSystem();
    try {
      const owner = await registerOwner(t.http);
      const setup = await t.http.get('/api/integrations/calendar/setup', { token: owner.access });
      expect(setup.body).to.deep.equal({ service_account: null, oauth: false });
      const post = await t.http.post('/api/integrations/calendar/', {
        token: owner.access,
        body: { email: 'a@example.com' },
      });
      expect(post.status).to.equal(409);
      expect(post.body.detail).to.include('GOOGLE_SERVICE_ACCOUNT_KEY');
    } finally {
      await t.close();
    }
  });
});
