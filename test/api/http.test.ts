import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner } from '../support/owners.ts';

describe('api/http behaviour', () => {
  let t: TestSystem;
  before(async () => {
    t = await startTestSystem({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(async () => {
    await t.close();
  });

  it('GET / names the service and its version', async () => {
    const response = await t.http.get('/');
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({ name: 'Frontdesk', version: '0.1.0' });
  });

  it('GET /health reports database and store state', async () => {
    const response = await t.http.get('/health');
    expect(response.status).to.equal(200);
    expect(response.body.status).to.equal('ok');
    expect(response.body.database.status).to.equal('ok');
    expect(response.body.redis.status).to.equal('ok');
    expect(response.body.redis.kind).to.equal(process.env.REDIS_URL ? 'redis' : 'memory');
  });

  it('answers malformed JSON with 400 and a detail', async () => {
    const response = await t.http.post('/api/auth/login', { raw: '{"email": "a@b.co", ' });
    expect(response.status).to.equal(400);
    expect(response.body).to.deep.equal({ detail: 'Malformed JSON body' });
  });

  it('answers a body over 1 MB with 413 and a detail', async () => {
    const response = await t.http.post('/api/auth/register', {
      body: { email: 'a@b.co', password: 'x'.repeat(1_100_000), salon_name: 'X' },
    });
    expect(response.status).to.equal(413);
    expect(response.body.detail).to.be.a('string');
  });

  it('answers a body that is not JSON with 415', async () => {
    const response = await t.http.post('/api/auth/login', {
      raw: 'email=a@b.co',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).to.equal(415);
    expect(response.body.detail).to.match(/application\/json/);
  });

  it('answers a JSON body sent without a Content-Type with 415 saying what to send', async () => {
    // A byte body, so fetch adds no Content-Type of its own (a string would get text/plain).
    const response = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      body: new TextEncoder().encode(JSON.stringify({ email: 'a@b.co', password: 'long enough' })),
    });
    expect(response.headers.get('content-type')).to.match(/json/);
    expect(response.status).to.equal(415);
    expect(((await response.json()) as { detail: string }).detail).to.match(/Content-Type: application\/json/);
    const empty = await t.http.post('/api/auth/logout', { token: (await registerOwner(t.http)).access });
    expect(empty.status, 'a body-less request with no Content-Type is still taken').to.equal(200);
  });

  it('answers unknown routes with a JSON 404 and wrong methods with a JSON 405', async () => {
    const missing = await t.http.get('/api/nothing-here');
    expect(missing.status).to.equal(404);
    expect(missing.body).to.deep.equal({ detail: 'Not found' });
    const wrongMethod = await t.http.request('DELETE', '/api/auth/login');
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.body.detail).to.be.a('string');
    expect(wrongMethod.headers.get('allow')).to.include('POST');
  });

  it('gives every response a request id, and keeps a safe one the client sent', async () => {
    const generated = await t.http.get('/health');
    expect(generated.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const echoed = await t.http.get('/health', { headers: { 'x-request-id': 'client-abc.123' } });
    expect(echoed.headers.get('x-request-id')).to.equal('client-abc.123');
    const unsafe = await t.http.get('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(unsafe.headers.get('x-request-id')).to.not.equal('bad id with spaces');
    expect(t.logs.join('')).to.include('client-abc.123');
  });

  it('sends security headers', async () => {
    const response = await t.http.get('/');
    expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(response.headers.get('x-frame-options')).to.equal('SAMEORIGIN');
    expect(response.headers.get('content-security-policy')).to.be.a('string');
  });

  it('allows cross-origin calls only from configured origins', async () => {
    const allowed = await t.http.request('OPTIONS', '/api/auth/login', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
    const other = await t.http.request('OPTIONS', '/api/auth/login', {
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('describes every route in an OpenAPI 3.1 document generated from the validation schemas', async () => {
    const response = await t.http.get('/api/openapi.json');
    expect(response.status).to.equal(200);
    expect(response.body.openapi).to.equal('3.1.0');
    const paths = response.body.paths;
    for (const [path, method] of [
      ['/api/auth/register', 'post'],
      ['/api/auth/login', 'post'],
      ['/api/auth/refresh', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/auth/me', 'get'],
      ['/api/auth/me', 'put'],
      ['/api/auth/change-password', 'post'],
      ['/api/admin/users', 'get'],
      ['/api/admin/users/{id}', 'put'],
      ['/health', 'get'],
      ['/', 'get'],
    ] as const) {
      expect(paths[path]?.[method], `${method} ${path}`).to.be.an('object');
    }
    const register = paths['/api/auth/register'].post.requestBody.content['application/json'].schema;
    const schema = register.$ref ? response.body.components.schemas[register.$ref.split('/').pop()] : register;
    expect(schema.required).to.include.members(['email', 'password', 'salon_name']);
  });

  it('never shows a stack trace, even for a token signed with another secret', async () => {
    const owner = await registerOwner(t.http);
    const response = await t.http.get('/api/auth/me', { token: `${owner.access}x` });
    expect(response.status).to.equal(401);
    expect(response.text).to.not.match(/at .*\.ts:\d+/);
  });
});

describe('api/health when the database is down', () => {
  it('answers 503 and names the database as the problem', async () => {
    const { createDatabase } = await import('../../infra/database.ts');
    const { composeSystem } = await import('../../compose.ts');
    const { loadConfig } = await import('../../core/config.ts');
    const { createLogger } = await import('../../infra/logger.ts');
    const { MemoryKeyValueStore } = await import('../../infra/memory-key-value-store.ts');
    const { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } = await import('../support/test-system.ts');
    // Nothing listens on port 1: every query fails at once.
    const db = createDatabase({ kind: 'postgres', url: 'postgres://nobody:nothing@127.0.0.1:1/none' });
    const store = new MemoryKeyValueStore();
    const system = await composeSystem(
      loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }, 'api'),
      {
        logger: createLogger('silent'),
        db,
        store,
      },
    );
    try {
      const report = await system.health();
      expect(report.status).to.equal('unavailable');
      expect(report.database.status).to.equal('error');
      expect(report.redis.status).to.equal('ok');
    } finally {
      await db.close();
      await store.close();
    }
  });
});
