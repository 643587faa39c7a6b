import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../core/config.ts';

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
});
