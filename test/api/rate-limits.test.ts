import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, uniqueEmail } from '../support/owners.ts';
import { DEFAULT_ACCOUNT_LIMITS } from '../../core/accounts/account-service.ts';
import { eventually } from '../support/eventually.ts';

describe('api/rate limits', () => {
  it('30 wrong passwords in a row meet a 429 with Retry-After (default limits)', async () => {
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
      expect(statuses.slice(0, 10).every((s) => s === 401)).to.equal(true);
      expect(statuses.slice(10).every((s) => s === 429)).to.equal(true);
      expect(Number(retryAfter)).to.be.within(1, 15 * 60);
      // While blocked, even the right password is refused: guessing cannot continue.
      const right = await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
      expect(right.status).to.equal(429);
      expect(right.body.detail).to.match(/Too many/);
    } finally {
      await t.close();
    }
  });

  describe('with short windows', () => {
    let t: TestSystem;
    beforeEach(async () => {
      t = await startTestSystem({
        accountLimits: {
          loginPerAccount: { max: 3, windowMs: 1000 },
          loginPerIp: { max: 5, windowMs: 1000 },
          registerPerIp: { max: 2, windowMs: 1000 },
        },
      });
    });
    afterEach(async () => {
      await t.close();
    });

    it('lets the right password in again once the window has passed', async () => {
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
        5000,
        'the block to end',
      );
      expect(after.status).to.equal(200);
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
      expect(statuses.filter((status) => status === 401)).to.have.length(DEFAULT_ACCOUNT_LIMITS.loginPerAccount.max);
      expect(statuses.filter((status) => status === 429)).to.have.length(
        40 - DEFAULT_ACCOUNT_LIMITS.loginPerAccount.max,
      );
    } finally {
      await t.close();
    }
  });
});
