import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, uniqueEmail } from '../support/owners.ts';

describe('api/auth', () => {
  let t: TestSystem;
  before(async () => {
    t = await startTestSystem();
  });
  after(async () => {
    await t.close();
  });

  describe('register', () => {
    it('creates an owner on a 14-day trial and returns tokens with the seed-002 user shape', async () => {
      const email = uniqueEmail();
      const response = await t.http.post('/api/auth/register', {
        body: { email, password: 'long enough 1', salon_name: '  Lotus  ' },
      });
      expect(response.status).to.equal(201);
      expect(response.body.access).to.be.a('string');
      expect(response.body.refresh).to.be.a('string');
      const user = response.body.user;
      expect(user).to.include({ email, salon_name: 'Lotus', is_trial: true, role: 'user' });
      expect(user.id).to.match(/^[0-9a-f-]{36}$/);
      const days = (Date.parse(user.trial_end_date) - Date.now()) / 86_400_000;
      expect(days).to.be.within(13.9, 14.01);
      expect(response.text).not.to.include('password');
    });

    it('refuses a second account with the same email in any letter case (409)', async () => {
      const owner = await registerOwner(t.http);
      const response = await t.http.post('/api/auth/register', {
        body: { email: owner.email.toUpperCase(), password: 'another one 1', salon_name: 'X' },
      });
      expect(response.status).to.equal(409);
      expect(response.body.detail).to.match(/already exists/);
    });

    it('answers invalid fields with 422 and a list of {loc, msg, type}', async () => {
      const response = await t.http.post('/api/auth/register', {
        body: { email: 'not-an-email', password: 'short', salon_name: '' },
      });
      expect(response.status).to.equal(422);
      const locs = (response.body.detail as { loc: string[] }[]).map((issue) => issue.loc.join('.'));
      expect(locs).to.include.members(['body.email', 'body.password', 'body.salon_name']);
      for (const issue of response.body.detail) {
        expect(issue.msg).to.be.a('string').and.not.empty;
        expect(issue.type).to.be.a('string').and.not.empty;
      }
    });

    it('answers a missing body with 422, not a crash', async () => {
      const response = await t.http.post('/api/auth/register');
      expect(response.status).to.equal(422);
    });
  });

  describe('login', () => {
    it('logs in with the right password, with or without a trailing slash, in any email case', async () => {
      const owner = await registerOwner(t.http);
      for (const path of ['/api/auth/login', '/api/auth/login/']) {
        const response = await t.http.post(path, {
          body: { email: owner.email.toUpperCase(), password: owner.password },
        });
        expect(response.status, path).to.equal(200);
        expect(response.body.user.id).to.equal(owner.id);
      }
    });

    it('answers a wrong password and an unknown email alike with 401', async () => {
      const owner = await registerOwner(t.http);
      const wrong = await t.http.post('/api/auth/login', { body: { email: owner.email, password: 'wrong password' } });
      const unknown = await t.http.post('/api/auth/login', {
        body: { email: uniqueEmail('nobody'), password: 'wrong password' },
      });
      expect(wrong.status).to.equal(401);
      expect(unknown.status).to.equal(401);
      expect(wrong.body.detail).to.equal(unknown.body.detail);
    });
  });

  describe('me', () => {
    it('returns the profile for a valid token', async () => {
      const owner = await registerOwner(t.http);
      const response = await t.http.get('/api/auth/me/', { token: owner.access });
      expect(response.status).to.equal(200);
      expect(response.body).to.include({ id: owner.id, email: owner.email, role: 'user' });
    });

    it('refuses no token, a tampered token and a refresh token in its place with 401', async () => {
      const owner = await registerOwner(t.http);
      const [header, payload, signature] = owner.access.split('.');
      const forgedPayload = Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
          sub: '00000000-0000-0000-0000-000000000000',
        }),
      ).toString('base64url');
      for (const token of [undefined, `${header}.${forgedPayload}.${signature}`, owner.refresh, 'garbage']) {
        const response = await t.http.get('/api/auth/me', { token });
        expect(response.status, String(token)).to.equal(401);
        expect(response.body.detail).to.be.a('string');
      }
    });

    it('updates salon name, time zone and language, and rejects an unknown time zone', async () => {
      const owner = await registerOwner(t.http);
      const updated = await t.http.put('/api/auth/me', {
        token: owner.access,
        body: { salon_name: 'Lotus Spa', timezone: 'Europe/Kyiv', language: 'uk' },
      });
      expect(updated.status).to.equal(200);
      expect(updated.body).to.include({ salon_name: 'Lotus Spa', timezone: 'Europe/Kyiv', language: 'uk' });
      const bad = await t.http.put('/api/auth/me', { token: owner.access, body: { timezone: 'Mars/Olympus' } });
      expect(bad.status).to.equal(422);
      const unknownField = await t.http.put('/api/auth/me', { token: owner.access, body: { role: 'admin' } });
      expect(unknownField.status).to.equal(422);
      const me = await t.http.get('/api/auth/me', { token: owner.access });
      expect(me.body).to.include({ salon_name: 'Lotus Spa', timezone: 'Europe/Kyiv', role: 'user' });
    });
  });

  describe('refresh', () => {
    it('rotates: the new pair works and the old refresh token is refused', async () => {
      const owner = await registerOwner(t.http);
      const first = await t.http.post('/api/auth/refresh/', { body: { refresh: owner.refresh } });
      expect(first.status).to.equal(200);
      expect(first.body.refresh).to.not.equal(owner.refresh);
      expect((await t.http.get('/api/auth/me', { token: first.body.access })).status).to.equal(200);
      const second = await t.http.post('/api/auth/refresh', { body: { refresh: first.body.refresh } });
      expect(second.status).to.equal(200);
    });

    it('treats reuse of a rotated token as theft: the whole family, newest token and access too, is revoked', async () => {
      const owner = await registerOwner(t.http);
      const rotated = await t.http.post('/api/auth/refresh', { body: { refresh: owner.refresh } });
      const reuse = await t.http.post('/api/auth/refresh', { body: { refresh: owner.refresh } });
      expect(reuse.status).to.equal(401);
      expect(reuse.body.detail).to.match(/already used/);
      expect((await t.http.post('/api/auth/refresh', { body: { refresh: rotated.body.refresh } })).status).to.equal(
        401,
      );
      expect((await t.http.get('/api/auth/me', { token: rotated.body.access })).status).to.equal(401);
      // Other sessions of the same owner are untouched.
      const login = await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
      expect((await t.http.get('/api/auth/me', { token: login.body.access })).status).to.equal(200);
    });

    it('refuses an unknown token with 401 and a missing one with 422', async () => {
      expect((await t.http.post('/api/auth/refresh', { body: { refresh: 'made-up' } })).status).to.equal(401);
      expect((await t.http.post('/api/auth/refresh', { body: {} })).status).to.equal(422);
    });
  });

  describe('logout', () => {
    it('stops the access token and its refresh token at once', async () => {
      const owner = await registerOwner(t.http);
      const response = await t.http.post('/api/auth/logout/', { token: owner.access });
      expect(response.status).to.equal(200);
      expect((await t.http.get('/api/auth/me', { token: owner.access })).status).to.equal(401);
      expect((await t.http.post('/api/auth/refresh', { body: { refresh: owner.refresh } })).status).to.equal(401);
    });

    it('with a refresh token of another session of the same owner, ends that session too', async () => {
      const owner = await registerOwner(t.http);
      const phone = await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
      await t.http.post('/api/auth/logout', { token: owner.access, body: { refresh: phone.body.refresh } });
      expect((await t.http.post('/api/auth/refresh', { body: { refresh: phone.body.refresh } })).status).to.equal(401);
    });

    it("cannot end another owner's session", async () => {
      const a = await registerOwner(t.http);
      const b = await registerOwner(t.http);
      await t.http.post('/api/auth/logout', { token: b.access, body: { refresh: a.refresh } });
      expect((await t.http.get('/api/auth/me', { token: a.access })).status).to.equal(200);
      expect((await t.http.post('/api/auth/refresh', { body: { refresh: a.refresh } })).status).to.equal(200);
    });

    it('needs a valid access token (401 without one)', async () => {
      expect((await t.http.post('/api/auth/logout')).status).to.equal(401);
    });
  });

  describe('change-password', () => {
    it('changes the password, ends every other session and starts a new one', async () => {
      const owner = await registerOwner(t.http);
      const other = await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
      const response = await t.http.post('/api/auth/change-password', {
        token: owner.access,
        body: { old_password: owner.password, new_password: 'a brand new secret' },
      });
      expect(response.status).to.equal(200);
      expect((await t.http.get('/api/auth/me', { token: owner.access })).status).to.equal(401);
      expect((await t.http.get('/api/auth/me', { token: other.body.access })).status).to.equal(401);
      expect((await t.http.post('/api/auth/refresh', { body: { refresh: owner.refresh } })).status).to.equal(401);
      expect((await t.http.get('/api/auth/me', { token: response.body.access })).status).to.equal(200);
      expect(
        (await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } })).status,
      ).to.equal(401);
      expect(
        (await t.http.post('/api/auth/login', { body: { email: owner.email, password: 'a brand new secret' } })).status,
      ).to.equal(200);
    });

    it('refuses a wrong current password (422) and keeps the old one working', async () => {
      const owner = await registerOwner(t.http);
      const response = await t.http.post('/api/auth/change-password', {
        token: owner.access,
        body: { old_password: 'not it at all', new_password: 'a brand new secret' },
      });
      expect(response.status).to.equal(422);
      expect(response.body.detail[0].loc).to.deep.equal(['body', 'old_password']);
      expect((await t.http.get('/api/auth/me', { token: owner.access })).status).to.equal(200);
      expect(
        (await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } })).status,
      ).to.equal(200);
    });
  });

  describe('password strength', () => {
    it('refuses the most common passwords and all-whitespace ones at sign-up with 422 saying why, and creates no account', async () => {
      for (const [password, why] of [
        ['12345678', /ten most common passwords/],
        ['password123', /very common password/],
        ['P@ssw0rd', /common password with small changes/],
        ['qwertyuiop', /most common passwords|keyboard/],
        ['abcdefgh', /sequence/],
        ['          ', /only spaces/],
        ['lotusbeauty', /easy to guess/],
      ] as const) {
        const email = uniqueEmail('weak');
        const response = await t.http.post('/api/auth/register', {
          body: { email, password, salon_name: 'Lotus Beauty' },
        });
        expect(response.status, password).to.equal(422);
        expect(response.body.detail[0]).to.deep.include({ loc: ['body', 'password'], type: 'weak_password' });
        expect(response.body.detail[0].msg, password).to.match(why);
        const login = await t.http.post('/api/auth/login', { body: { email, password } });
        expect(login.status, 'no account was made').to.equal(401);
      }
    });

    it('refuses a common new password at password change, saying why, and keeps the old one', async () => {
      const owner = await registerOwner(t.http);
      const response = await t.http.post('/api/auth/change-password', {
        token: owner.access,
        body: { old_password: owner.password, new_password: 'iloveyou1' },
      });
      expect(response.status).to.equal(422);
      expect(response.body.detail[0]).to.deep.include({ loc: ['body', 'new_password'], type: 'weak_password' });
      expect(response.body.detail[0].msg).to.match(/too easy to guess/);
      expect(
        (await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } })).status,
      ).to.equal(200);
    });
  });

  it('never writes passwords or tokens into the log', async () => {
    const owner = await registerOwner(t.http, { password: 'unique-password-in-logs-1' });
    await t.http.post('/api/auth/login', { body: { email: owner.email, password: 'unique-password-in-logs-1' } });
    await t.http.post('/api/auth/refresh', { body: { refresh: owner.refresh } });
    await t.http.get('/api/auth/me', { token: owner.access });
    const all = t.logs.join('');
    expect(all).to.include(owner.id);
    expect(all).not.to.include('unique-password-in-logs-1');
    expect(all).not.to.include(owner.refresh);
    expect(all).not.to.include(owner.access);
  });
});
