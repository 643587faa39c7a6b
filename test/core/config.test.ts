import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../core/config.ts';

const SECRET_MATERIAL = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-not-a-real-key';
const KEY_FILE = {
  type: 'service_account',
  project_id: 'salon-desk',
  private_key_id: 'abc123',
  private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET_MATERIAL}\n-----END PRIVATE KEY-----\n`,
  client_email: 'frontdesk@salon-desk.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('core/config', () => {
  it('runs on defaults with nothing set: port 8000, ./data, embedded database, in-process store', () => {
    const config = loadConfig({});
    expect(config).to.include({ port: 8000, host: '0.0.0.0', dataDir: './data', role: 'all', env: 'development' });
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.redisUrl).to.equal(undefined);
  });

  it('takes the role from the command line over the environment', () => {
    expect(loadConfig({ ROLE: 'api' }, 'worker').role).to.equal('worker');
    expect(loadConfig({ ROLE: 'bots' }).role).to.equal('bots');
  });

  it('refuses production without DATABASE_URL, JWT_SECRET and ENCRYPTION_KEY, naming each', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).to.throw(
      ConfigError,
      /DATABASE_URL, JWT_SECRET, ENCRYPTION_KEY/,
    );
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u@h/db',
        JWT_SECRET: 'x'.repeat(40),
        ENCRYPTION_KEY: 'ab'.repeat(32),
      }),
    ).not.to.throw();
  });

  it('explains every bad value in words', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', ENCRYPTION_KEY: 'short', LOG_LEVEL: 'loud' });
      expect.fail('should have thrown');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const message = (error as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'ENCRYPTION_KEY', 'LOG_LEVEL']) expect(message).to.include(name);
      expect(message).to.include('64 hex characters');
    }
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'root@example.com' })).to.throw(ConfigError, /together/);
  });

  it('keeps bot leases at 30 s unless BOT_LEASE_MS says otherwise, and never under 3 s (renewed every third, at most once a second)', () => {
    expect(loadConfig({}).botLeaseMs).to.equal(30_000);
    expect(loadConfig({ BOT_LEASE_MS: '3000' }).botLeaseMs).to.equal(3000);
    expect(() => loadConfig({ BOT_LEASE_MS: '2999' })).to.throw(ConfigError, /BOT_LEASE_MS/);
  });

  it('splits CORS_ORIGINS', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).to.deep.equal([
      'https://a.example',
      'https://b.example',
    ]);
  });

  describe('Google Calendar', () => {
    it('is off with nothing set: no service account, no OAuth, 5 s per request', () => {
      expect(loadConfig({}).google).to.deep.equal({
        apiRoot: undefined,
        timeoutMs: 5000,
        serviceAccount: undefined,
        oauth: undefined,
      });
    });

    it('reads GOOGLE_SERVICE_ACCOUNT_KEY as the JSON itself or as the path of the key file', () => {
      const expected = {
        clientEmail: KEY_FILE.client_email,
        privateKey: KEY_FILE.private_key,
        privateKeyId: 'abc123',
        tokenUri: 'https://oauth2.googleapis.com/token',
      };
      expect(loadConfig({ GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(KEY_FILE) }).google.serviceAccount).to.deep.equal(
        expected,
      );
      const dir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-key-'));
      try {
        const file = path.join(dir, 'key.json');
        writeFileSync(file, JSON.stringify({ ...KEY_FILE, token_uri: 'http://127.0.0.1:4000/token' }));
        expect(loadConfig({ GOOGLE_SERVICE_ACCOUNT_KEY: file }).google.serviceAccount).to.deep.equal({
          ...expected,
          tokenUri: 'http://127.0.0.1:4000/token',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('names what is wrong with a key without ever repeating it', () => {
      const messages = [
        configError({ GOOGLE_SERVICE_ACCOUNT_KEY: '/nonexistent/key.json' }),
        configError({ GOOGLE_SERVICE_ACCOUNT_KEY: `{"private_key": "${SECRET_MATERIAL}"` }),
        configError({ GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify({ ...KEY_FILE, type: 'authorized_user' }) }),
        configError({ GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify({ ...KEY_FILE, client_email: 'nobody' }) }),
      ];
      expect(messages[0]).to.match(
        /GOOGLE_SERVICE_ACCOUNT_KEY: cannot read the file \/nonexistent\/key\.json \(ENOENT\)/,
      );
      expect(messages[1]).to.match(/is not JSON/);
      expect(messages[2]).to.match(/not a service account key/);
      expect(messages[3]).to.match(/client_email/);
      for (const message of messages) expect(message).not.to.include(SECRET_MATERIAL);
    });

    it("needs the OAuth client's id and secret together, with Google's endpoints unless overridden", () => {
      expect(configError({ GOOGLE_OAUTH_CLIENT_ID: 'id.apps.googleusercontent.com' })).to.match(/together/);
      expect(
        loadConfig({ GOOGLE_OAUTH_CLIENT_ID: 'id', GOOGLE_OAUTH_CLIENT_SECRET: 'secret' }).google.oauth,
      ).to.deep.equal({
        clientId: 'id',
        clientSecret: 'secret',
        authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
        tokenUrl: 'https://oauth2.googleapis.com/token',
      });
      const local = loadConfig({
        GOOGLE_OAUTH_CLIENT_ID: 'id',
        GOOGLE_OAUTH_CLIENT_SECRET: 'secret',
        GOOGLE_OAUTH_AUTH_URL: 'http://127.0.0.1:4000/o/oauth2/v2/auth',
        GOOGLE_OAUTH_TOKEN_URL: 'http://127.0.0.1:4000/token',
        GOOGLE_API_ROOT: 'http://127.0.0.1:4000/',
      }).google;
      expect(local.oauth?.tokenUrl).to.equal('http://127.0.0.1:4000/token');
      expect(local.apiRoot).to.equal('http://127.0.0.1:4000/');
      expect(configError({ GOOGLE_API_ROOT: 'googleapis' })).to.match(/GOOGLE_API_ROOT/);
    });
  });
});
