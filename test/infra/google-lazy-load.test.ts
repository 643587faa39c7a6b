// Start-up does not load the Google client: it loads on an owner's first Google call. Checked in a fresh
// process, where nothing else has loaded it yet.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Counts the Google client's modules in the CommonJS cache (ESM imports of CommonJS packages land there too).
const SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache)
  .filter((file) => /node_modules[\\\\/](google-auth-library|@googleapis|googleapis-common|gaxios)[\\\\/]/.test(file)).length;
await import('./compose.ts');
const { createGoogleCalendarProviders } = await import('./infra/google-calendar-provider.ts');
const providers = createGoogleCalendarProviders({
  timeoutMs: 1000,
  retry: { attempts: 1 },
  oauth: { clientId: 'a', clientSecret: 'b', authUrl: 'http://127.0.0.1:9/auth', tokenUrl: 'http://127.0.0.1:9/token' },
});
const provider = providers({ mode: 'oauth', refreshToken: 'refresh' });
const beforeFirstCall = loaded();
const failure = await provider.busy('owner@example.com', new Date(0), new Date(1000)).catch((error) => error);
console.log(JSON.stringify({ beforeFirstCall, afterFirstCall: loaded(), kind: failure.kind }));
`;

describe('Google client loading', function () {
  this.timeout(90_000); // a fresh process imports the whole system

  it('loads nothing of the Google client until the first call needs it', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(result.beforeFirstCall).to.equal(0);
    expect(result.afterFirstCall).to.be.greaterThan(0);
    // The token endpoint is a closed port on 127.0.0.1: the call fails as unreachable, nothing leaves the machine.
    expect(result.kind).to.equal('unavailable');
  });
});
