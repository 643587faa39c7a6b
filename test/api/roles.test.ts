import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, uniqueEmail } from '../support/owners.ts';

describe('api/roles and admin', () => {
  let t: TestSystem;
  const adminEmail = uniqueEmail('admin');
  const adminPassword = 'platform admin password';
  let adminToken: string;

  before(async () => {
    t = await startTestSystem({ env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword } });
    const login = await t.http.post('/api/auth/login', { body: { email: adminEmail, password: adminPassword } });
    expect(login.status).to.equal(200);
    expect(login.body.user.role).to.equal('admin');
    adminToken = login.body.access;
  });
  after(async () => {
    await t.close();
  });

  it('the admin from ADMIN_EMAIL/ADMIN_PASSWORD lists every owner, paginated', async () => {
    const a = await registerOwner(t.http);
    const b = await registerOwner(t.http);
    const page = await t.http.get('/api/admin/users?page=1&page_size=2', { token: adminToken });
    expect(page.status).to.equal(200);
    expect(page.body.items).to.have.length(2);
    expect(page.body.items.map((u: { id: string }) => u.id)).to.deep.equal([b.id, a.id]);
    expect(page.body.total).to.be.at.least(3);
    expect(page.body).to.include({ page: 1, page_size: 2 });
    expect(JSON.stringify(page.body)).to.not.include('password');
    const bad = await t.http.get('/api/admin/users?page=0&page_size=1000', { token: adminToken });
    expect(bad.status).to.equal(422);
  });

  it('an ordinary owner cannot use admin routes (403)', async () => {
    const owner = await registerOwner(t.http);
    expect((await t.http.get('/api/admin/users', { token: owner.access })).status).to.equal(403);
    const other = await registerOwner(t.http);
    const change = await t.http.put(`/api/admin/users/${other.id}`, { token: owner.access, body: { role: 'admin' } });
    expect(change.status).to.equal(403);
    expect((await t.http.get('/api/auth/me', { token: other.access })).body.role).to.equal('user');
  });

  it('a guest reads but every write is refused with 403', async () => {
    const guest = await registerOwner(t.http);
    const made = await t.http.put(`/api/admin/users/${guest.id}`, { token: adminToken, body: { role: 'guest' } });
    expect(made.status).to.equal(200);
    expect(made.body.role).to.equal('guest');
    const me = await t.http.get('/api/auth/me', { token: guest.access });
    expect(me.status).to.equal(200);
    expect(me.body).to.include({ role: 'guest', is_trial: false });
    const update = await t.http.put('/api/auth/me', { token: guest.access, body: { salon_name: 'Hacked' } });
    expect(update.status).to.equal(403);
    const password = await t.http.post('/api/auth/change-password', {
      token: guest.access,
      body: { old_password: guest.password, new_password: 'new password 123' },
    });
    expect(password.status).to.equal(403);
    expect((await t.http.get('/api/auth/me', { token: guest.access })).body.salon_name).to.equal('Lotus Beauty');
  });

  it('deactivating an owner ends their sessions and blocks login', async () => {
    const owner = await registerOwner(t.http);
    const response = await t.http.put(`/api/admin/users/${owner.id}/`, {
      token: adminToken,
      body: { is_active: false },
    });
    expect(response.status).to.equal(200);
    expect((await t.http.get('/api/auth/me', { token: owner.access })).status).to.equal(401);
    expect((await t.http.post('/api/auth/refresh', { body: { refresh: owner.refresh } })).status).to.equal(401);
    expect(
      (await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } })).status,
    ).to.equal(401);
  });

  it('answers an unknown or malformed user id with 404 / 422', async () => {
    expect(
      (
        await t.http.put('/api/admin/users/00000000-0000-4000-8000-000000000000', {
          token: adminToken,
          body: { role: 'user' },
        })
      ).status,
    ).to.equal(404);
    expect((await t.http.put('/api/admin/users/42', { token: adminToken, body: { role: 'user' } })).status).to.equal(
      422,
    );
    expect(
      (
        await t.http.put(`/api/admin/users/00000000-0000-4000-8000-000000000000`, {
          token: adminToken,
          body: { role: 'root' },
        })
      ).status,
    ).to.equal(422);
  });

  it('ADMIN_PASSWORD changes at start update the existing admin and end its old sessions', async () => {
    const restarted = await startTestSystem({
      env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: 'a rotated admin password' },
    });
    try {
      expect((await restarted.http.get('/api/auth/me', { token: adminToken })).status).to.equal(401);
      const login = await restarted.http.post('/api/auth/login', {
        body: { email: adminEmail, password: 'a rotated admin password' },
      });
      expect(login.status).to.equal(200);
      expect(login.body.user.role).to.equal('admin');
    } finally {
      await restarted.close();
      // Put the shared admin back for the other tests of this file, whatever their order.
      const back = await startTestSystem({ env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword } });
      adminToken = (await back.http.post('/api/auth/login', { body: { email: adminEmail, password: adminPassword } }))
        .body.access;
      await back.close();
    }
  });
});
