// Text the API takes: a NUL byte (which PostgreSQL text cannot hold) is a validation error naming the
// field, wherever it comes in, and nothing is stored.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, uniqueEmail, type RegisteredOwner } from '../support/owners.ts';

const NUL = '\u0000';

describe('api/text fields: NUL bytes', () => {
  let t: TestSystem;
  let owner: RegisteredOwner;
  before(async () => {
    t = await startTestSystem();
    owner = await registerOwner(t.http);
  });
  after(async () => {
    await t.close();
  });

  function expectNulRefused(response: { status: number; text: string; body: any }, loc: (string | number)[]) {
    expect(response.status, response.text).to.equal(422);
    expect(response.body.detail).to.deep.include({
      loc,
      msg: 'Text may not contain NUL characters (\\u0000)',
      type: 'nul_byte',
    });
  }

  it('refuses a NUL byte in the salon name at sign-up with 422 naming the field, and creates no account', async () => {
    const email = uniqueEmail('nul');
    const response = await t.http.post('/api/auth/register', {
      body: { email, password: 'a long password 1', salon_name: `Lotus${NUL}Beauty` },
    });
    expectNulRefused(response, ['body', 'salon_name']);
    const login = await t.http.post('/api/auth/login', { body: { email, password: 'a long password 1' } });
    expect(login.status).to.equal(401);
  });

  it('refuses a NUL byte in every JSON text field: prompt, profile, passwords, tokens, test chat, nested fields', async () => {
    const cases: [string, string, unknown, (string | number)[]][] = [
      ['put', '/api/agent/prompt/', { prompt: `Be kind${NUL}` }, ['body', 'prompt']],
      ['put', '/api/auth/me', { salon_name: `A${NUL}` }, ['body', 'salon_name']],
      ['put', '/api/auth/me', { timezone: `Europe/Kyiv${NUL}` }, ['body', 'timezone']],
      [
        'post',
        '/api/auth/change-password',
        { old_password: owner.password, new_password: `new pass${NUL}word` },
        ['body', 'new_password'],
      ],
      ['post', '/api/auth/login', { email: owner.email, password: `x${NUL}` }, ['body', 'password']],
      ['post', '/api/auth/refresh', { refresh: `${owner.refresh}${NUL}` }, ['body', 'refresh']],
      ['post', '/api/integrations/telegram/', { token: `123:${NUL}` }, ['body', 'token']],
      ['post', '/api/agent/test/', { message: `Hi${NUL}there` }, ['body', 'message']],
      ['post', '/api/agent/test/', { nested: [{ text: `deep${NUL}` }] }, ['body', 'nested', 0, 'text']],
    ];
    for (const [method, path, body, loc] of cases) {
      const response = await t.http.request(method.toUpperCase(), path, { token: owner.access, body });
      expectNulRefused(response, loc);
    }
    // Nothing was changed: the profile and the password are as they were.
    const me = await t.http.get('/api/auth/me', { token: owner.access });
    expect(me.body.salon_name).to.equal('Lotus Beauty');
    const login = await t.http.post('/api/auth/login', { body: { email: owner.email, password: owner.password } });
    expect(login.status).to.equal(200);
  });

  it('refuses a NUL byte in a query parameter and in a form field of the test chat', async () => {
    expectNulRefused(await t.http.get('/api/agent/history/?page=1%00&page_size=20', { token: owner.access }), [
      'query',
      'page',
    ]);
    const form = await t.http.upload('/api/agent/test/', owner.access, { message: `Сколько стоит${NUL} маникюр?` });
    expectNulRefused(form, ['body', 'message']);
    const history = await t.http.get('/api/agent/history/', { token: owner.access });
    expect(history.body.items, 'no test chat was started').to.deep.equal([]);
  });
});
