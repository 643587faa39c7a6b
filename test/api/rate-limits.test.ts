import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, uniqueEmail } from '../support/owners.ts';
import { DEFAULT_ACCOUNT_LIMITS } from '../../core/accounts/account-service.ts';
import { eventually } from '../support/eventually.ts';

describe('api/rate limits', () => {
  it('30 wrong passwords in a row from one address meet a 429 with Retry-After (default limits)', async () => {
    const t = await startTestSystem({ accountLimits: DEFAULT_ACCOUNT_LIMITS });
    try {
      const owner = await registerOwner(t.http);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 30; i++) {
        const response = await t.http.post('/api/auth/login', { body: { email: owner.email, password: `wrong ${i}` } });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
      }
      expect(statuses.slice(0, DEFAULT_ACCOUNT_LIMITS.loginPerAccountAndIp.max).every((s) => s === 401)).to.equal(true);
      expect(statuses.slice(10).every((s) => s === 429)).to.equal(true);
      expect(Number(retryAfter)).to.be.within(1, 15 * 60);
      // While blocked, even the right password is refused from that address: guessing cannot continue.
      const right = await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
      expect(right.status).to.equal(429);
      expect(right.body.detail).to.match(/Too many/);
    } finally {
      await t.close();
    }
  });

  it("an attacker's 11 wrong passwords from one address do not lock the owner out: the owner logs in at once from another", async () => {
    const t = await startTestSystem({ accountLimits: DEFAULT_ACCOUNT_LIMITS, env: { TRUST_PROXY: 'true' } });
    try {
      const owner = await registerOwner(t.http);
      const from = (ip: string, password: string) =>
        t.http.post('/api/auth/login', {
          body: { email: owner.email, password },
          headers: { 'x-forwarded-for': ip },
        });
      const attacker: number[] = [];
      for (let i = 0; i < 11; i++) attacker.push((await from('203.0.113.7', `guess ${i}`)).status);
      expect(attacker.slice(0, 10)).to.deep.equal(Array(10).fill(401));
      expect(attacker[10], 'the attacking address is blocked').to.equal(429);
      const ownerLogin = await from('198.51.100.20', owner.password);
      expect(ownerLogin.status, ownerLogin.text).to.equal(200);
      expect((await from('203.0.113.7', owner.password)).status, 'still blocked for the attacker').to.equal(429);
    } finally {
      await t.close();
    }
  });

  it('wrong current passwords for a password change meet a 429 with Retry-After like logins, and the right one is refused while blocked', async () => {
    const t = await startTestSystem({ accountLimits: DEFAULT_ACCOUNT_LIMITS });
    try {
      const owner = await registerOwner(t.http);
      const change = (oldPassword: string) =>
        t.http.post('/api/auth/change-password', {
          token: owner.access,
          body: { old_password: oldPassword, new_password: 'a brand new secret' },
        });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await change(`wrong guess ${i}`)).status);
      const max = DEFAULT_ACCOUNT_LIMITS.changePasswordPerAccount.max;
      expect(statuses.slice(0, max)).to.deep.equal(Array(max).fill(422));
      expect(statuses.slice(max)).to.deep.equal(Array(12 - max).fill(429));
      const right = await change(owner.password);
      expect(right.status).to.equal(429);
      expect(Number(right.headers.get('retry-after'))).to.be.within(1, 15 * 60);
      const login = await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
      expect(login.status, 'the password did not change').to.equal(200);
    } finally {
      await t.close();
    }
  });

  it('lets the right password in again once the window has passed', async () => {
    const t = await startTestSystem({
      accountLimits: { ...DEFAULT_ACCOUNT_LIMITS, loginPerAccountAndIp: { max: 3, windowMs: 3000 } },
    });
    try {
      const owner = await registerOwner(t.http);
      for (let i = 0; i < 3; i++)
        await t.http.post('/api/auth/login', { body: { email: owner.email, password: 'wrong' } });
      const login = () => t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
      expect((await login()).status).to.equal(429);
      const after = await eventually(
        async () => {
          const response = await login();
          return response.status !== 429 ? response : undefined;
        },
        15_000,
        'the block to end',
      );
      expect(after.status).to.equal(200);
    } finally {
      await t.close();
    }
  });

  // Small limits in windows long enough that a loaded machine cannot see one end between two requests;
  // only the test that waits for a window to end has a short one.
  describe('with small limits', () => {
    let t: TestSystem;
    beforeEach(async () => {
      t = await startTestSystem({
        env: { TRUST_PROXY: 'true' },
        accountLimits: {
          ...DEFAULT_ACCOUNT_LIMITS,
          loginPerAccountAndIp: { max: 3, windowMs: 60_000 },
          loginPerAccount: { max: 4, windowMs: 60_000 },
          loginPerIp: { max: 5, windowMs: 60_000 },
          registerPerIp: { max: 2, windowMs: 60_000 },
        },
      });
    });
    afterEach(async () => {
      await t.close();
    });

    it('an account attacked from many addresses refuses those that failed, and lets a fresh address in', async () => {
      const owner = await registerOwner(t.http);
      const from = (ip: string, password: string) =>
        t.http.post('/api/auth/login', { body: { email: owner.email, password }, headers: { 'x-forwarded-for': ip } });
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'])
        expect((await from(ip, 'wrong')).status).to.equal(401);
      const again = await from('203.0.113.1', 'wrong again');
      expect(again.status, 'an address that failed waits once the account is under attack').to.equal(429);
      expect(again.headers.get('retry-after')).to.match(/^\d+$/);
      expect((await from('198.51.100.30', owner.password)).status, 'the owner from a fresh address').to.equal(200);
    });

    it('limits failures per client address across accounts', async () => {
      for (let i = 0; i < 5; i++)
        await t.http.post('/api/auth/login', { body: { email: uniqueEmail('spray'), password: 'wrong' } });
      const response = await t.http.post('/api/auth/login', {
        body: { email: uniqueEmail('spray'), password: 'wrong' },
      });
      expect(response.status).to.equal(429);
      expect(response.headers.get('retry-after')).to.match(/^\d+$/);
    });

    it('limits registrations per client address', async () => {
      await registerOwner(t.http);
      await registerOwner(t.http);
      const third = await t.http.post('/api/auth/register', {
        body: { email: uniqueEmail(), password: 'long enough 1', salon_name: 'X' },
      });
      expect(third.status).to.equal(429);
    });
  });
});

describe('api/rate limits under concurrency', () => {
  it('many wrong passwords sent at once for one account are cut off at the limit', async () => {
    const t = await startTestSystem({
      accountLimits: { ...DEFAULT_ACCOUNT_LIMITS, loginPerIp: { max: 1000, windowMs: 60_000 } },
    });
    try {
      const owner = await registerOwner(t.http);
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          t.http.post('/api/auth/login', { body: { email: owner.email, password: `parallel guess ${i}` } }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 401)).to.have.length(
        DEFAULT_ACCOUNT_LIMITS.loginPerAccountAndIp.max,
      );
      expect(statuses.filter((status) => status === 429)).to.have.length(
        40 - DEFAULT_ACCOUNT_LIMITS.loginPerAccountAndIp.max,
      );
    } finally {
      await t.close();
    }
  });
});
