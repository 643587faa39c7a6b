// Requests that fail inside the database are logged (so the operator sees the failure), but the log
// never holds what the statement carried: passwords, password hashes, tokens, their hashes.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { startTestSystem } from '../support/test-system.ts';
import { registerOwner, uniqueEmail } from '../support/owners.ts';

const REFUSED_SALON = 'Refused by the database';

describe('api/logs of requests that fail inside the database', function () {
  this.timeout(60_000);
  it('hold the failure but no password, password hash, access or refresh token, nor the values of the statement', async () => {
    const t = await startTestSystem();
    const db = t.system.db.knex;
    const owner = await registerOwner(t.http, { password: 'a private passphrase 42' });
    const { password_hash: hash } = await db('owners').where({ id: owner.id }).first('password_hash');
    // Checks that make these requests fail in PostgreSQL itself (new rows only: NOT VALID).
    await db.raw(
      `alter table owners add constraint test_refused_salon check (salon_name <> '${REFUSED_SALON}') not valid`,
    );
    await db.raw(
      `alter table refresh_tokens add constraint test_refused_refresh check (owner_id <> '${owner.id}') not valid`,
    );
    try {
      const email = uniqueEmail('logged');
      const password = 'another private passphrase';
      const register = await t.http.post('/api/auth/register', {
        body: { email, password, salon_name: REFUSED_SALON },
      });
      expect(register.status, register.text).to.equal(500);
      const profile = await t.http.put('/api/auth/me', { token: owner.access, body: { salon_name: REFUSED_SALON } });
      expect(profile.status, profile.text).to.equal(500);
      const refresh = await t.http.post('/api/auth/refresh', { body: { refresh: owner.refresh } });
      expect(refresh.status, refresh.text).to.equal(500);

      const log = t.logs.join('');
      const failures = t.logs.filter((line) => line.includes('"request failed"'));
      expect(failures, 'each failure is logged').to.have.length(3);
      expect(log).to.include('test_refused_salon').and.include('test_refused_refresh');
      for (const [secret, what] of [
        [password, 'the new password'],
        [owner.password, "the owner's password"],
        ['$argon2', 'any password hash'],
        [hash, "the owner's password hash"],
        [owner.access, 'the access token'],
        [owner.refresh, 'the refresh token'],
        [createHash('sha256').update(owner.refresh).digest('hex'), "the refresh token's hash"],
        [email, 'the email of the failed sign-up'],
        [REFUSED_SALON, 'a value of the statement'],
      ] as const)
        expect(log.includes(secret), `the log holds ${what}`).to.equal(false);
    } finally {
      await db.raw('alter table owners drop constraint if exists test_refused_salon');
      await db.raw('alter table refresh_tokens drop constraint if exists test_refused_refresh');
      await t.close();
    }
  });
});
