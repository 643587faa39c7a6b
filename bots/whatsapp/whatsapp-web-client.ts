// The thin edge to whatsapp-web.js: the part of its Client the session runner uses, and the factory
// that builds a real one (Chromium through puppeteer, auth state through RemoteAuth and our sealed
// store). Tests drive the runner with a fake client that emits the same events.
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { RemoteAuthStore } from './whatsapp-web-session-store.ts';

/** The fields of a whatsapp-web.js Message the runner reads. */
export interface WebMessage {
  id: { _serialized: string };
  /** '79161234567@c.us' for a person, '…@g.us' for a group, 'status@broadcast' for statuses. */
  from: string;
  body: string;
  /** 'chat' for text; 'image', 'ptt' (voice), 'sticker', 'document', … otherwise. */
  type: string;
  fromMe: boolean;
  isStatus?: boolean;
  /** The sender's WhatsApp profile name, when WhatsApp provides it. */
  _data?: { notifyName?: string };
}

/** The part of whatsapp-web.js's Client the runner uses (events as the library emits them). */
export interface WebClient {
  on(event: 'qr', listener: (qr: string) => void): unknown;
  on(event: 'authenticated', listener: () => void): unknown;
  on(event: 'auth_failure', listener: (message: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'message', listener: (message: WebMessage) => void): unknown;
  on(event: 'disconnected', listener: (reason: string) => void): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  logout(): Promise<void>;
  /**
   * Ends the browser at once (SIGKILL), even one still launching, and keeps it from launching later;
   * resolves once its process has exited. For a browser that does not close in time.
   */
  kill(): Promise<void>;
  sendMessage(chatId: string, text: string): Promise<unknown>;
  sendSeen(chatId: string): Promise<unknown>;
  /** Set once ready: the linked phone's own WhatsApp id. */
  info?: { wid?: { user?: string } };
}

export interface WebClientOptions {
  integrationId: string;
  store: RemoteAuthStore;
}

export type WebClientFactory = (options: WebClientOptions) => Promise<WebClient>;

/** Thrown before anything starts when the configured browser is not there to run. */
export class BrowserMissingError extends Error {
  override name = 'BrowserMissingError';
}

/** Where RemoteAuth unpacks and packs session profiles (the sealed archive itself lives in the database). */
export function whatsappWebSessionsDir(dataDir: string): string {
  return path.resolve(dataDir, 'whatsapp-web', 'sessions');
}

/** The real client: Chromium headless from `executablePath`, the session backed up through RemoteAuth. */
export function whatsappWebJsFactory(settings: {
  executablePath: string;
  dataDir: string;
  qrMaxRetries?: number;
}): WebClientFactory {
  return async ({ integrationId, store }) => {
    try {
      accessSync(settings.executablePath, constants.X_OK);
    } catch {
      throw new BrowserMissingError(
        `Chromium was not found at ${settings.executablePath}. Install Debian's chromium package (apt-get install chromium) or set PUPPETEER_EXECUTABLE_PATH to a Chromium or Chrome binary, then start the integration again.`,
      );
    }
    // Loaded on first use: whatsapp-web.js pulls in puppeteer, which no process needs until a session starts.
    const { default: wweb } = await import('whatsapp-web.js');
    const root = path.resolve(settings.dataDir, 'whatsapp-web');
    // Puppeteer kills the browser's whole process group (it starts Chromium detached) when this aborts,
    // at any point of the launch, and refuses to launch once it has: the one way to end a browser
    // whose launch has not yet handed us its process.
    const launch = new AbortController();
    const auth = new (closableRemoteAuth(wweb.RemoteAuth))({
      clientId: integrationId,
      dataPath: whatsappWebSessionsDir(settings.dataDir),
      store,
      backupSyncIntervalMs: 5 * 60_000,
    });
    const client = new wweb.Client({
      authStrategy: auth,
      webVersionCache: { type: 'local', path: path.join(root, 'web-cache') },
      // A QR lasts about 20 s; after this many unscanned ones the session gives up (the owner starts it again).
      qrMaxRetries: settings.qrMaxRetries ?? 9,
      puppeteer: {
        executablePath: settings.executablePath,
        headless: true,
        signal: launch.signal,
        // Puppeteer would otherwise exit the whole process on SIGINT/SIGTERM (code 130) before our
        // graceful shutdown runs; the session closes its browser itself.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      },
    });
    // whatsapp-web.js says nothing when its browser dies (a crash, the OOM killer): report it as a
    // disconnect, so the session reconnects (the saved login is still there, so without a scan).
    let closing = false;
    let killed = false;
    // Settles once Chromium is up (or the start failed before that).
    let launched: Promise<void> | undefined;
    const initialize = client.initialize.bind(client);
    const destroy = client.destroy.bind(client);
    const killBrowser = () => {
      launch.abort();
      // Puppeteer forgets the abort once it has killed its process; a browser process still here is
      // killed directly, with its group (its zygote and renderers).
      const browser = client.pupBrowser?.process();
      if (!browser?.pid || browser.exitCode !== null || browser.signalCode !== null) return;
      try {
        process.kill(-browser.pid, 'SIGKILL');
      } catch {
        browser.kill('SIGKILL');
      }
    };
    // A browser whose launch completes after a kill is killed as soon as it exists.
    void (auth as unknown as LaunchAware).browserLaunched.then(() => {
      if (killed) killBrowser();
    });
    client.initialize = async () => {
      const run = initialize();
      launched = Promise.race([(auth as unknown as LaunchAware).browserLaunched, run]).then(
        () => undefined,
        () => undefined,
      );
      await run;
      client.pupBrowser?.once('disconnected', () => {
        if (!closing) client.emit('disconnected', 'BROWSER_CLOSED');
      });
    };
    client.destroy = async () => {
      closing = true;
      // whatsapp-web.js knows its browser only once Chromium has launched: a destroy() during the launch
      // would close nothing and leave Chromium running, writing to its profile, after a shutdown.
      if (launched) await launched;
      await destroy();
      // A browser puppeteer launched but whatsapp-web.js never took hold of (its page setup failed) is
      // still running: end it too. After a browser closed normally this does nothing.
      launch.abort();
    };
    Object.assign(client, {
      kill: async () => {
        closing = true;
        killed = true;
        killBrowser();
        // A launch in progress fails once its process has died (or at once, before it spawned one).
        if (launched) await launched;
        const browser = client.pupBrowser?.process();
        if (browser && browser.exitCode === null && browser.signalCode === null) await once(browser, 'exit');
        // What destroy() would have done after closing the browser: RemoteAuth's backup timer stops.
        await auth.destroy();
      },
    });
    return client as unknown as WebClient;
  };
}

type RemoteAuthClass = typeof import('whatsapp-web.js').RemoteAuth;

interface LaunchAware {
  /** Resolves when whatsapp-web.js has launched Chromium (it then calls afterBrowserInitialized). */
  browserLaunched: Promise<void>;
}

/**
 * RemoteAuth waits a minute after the first login before its first backup, then starts a 5-minute
 * backup timer, and its destroy() cannot stop a wait in progress: a client closed during that minute
 * would still start the timer afterwards, keeping the old client alive and saving a stale profile.
 * This subclass ends the wait when the client is destroyed or logged out (deleting an integration),
 * saves nothing after that (the profile directory is being removed), and clears a timer started after it.
 * It also tells when Chromium has launched, so the client's destroy() can wait for a launch in progress.
 */
function closableRemoteAuth(Base: RemoteAuthClass): RemoteAuthClass {
  // The typings declare these methods as properties, which a subclass cannot override; the runtime has methods.
  const Loose = Base as unknown as new (
    options: object,
  ) => {
    afterAuthReady(): Promise<void>;
    afterBrowserInitialized(): Promise<void>;
    storeRemoteSession(options?: { emit?: boolean }): Promise<void>;
    destroy(): Promise<void>;
    disconnect(): Promise<void>;
  };
  class ClosableRemoteAuth extends Loose implements LaunchAware {
    private destroyed = false;
    private wake: (() => void) | undefined;
    private markLaunched: () => void = () => {};
    readonly browserLaunched = new Promise<void>((resolve) => (this.markLaunched = resolve));

    override async afterBrowserInitialized(): Promise<void> {
      this.markLaunched();
      await super.afterBrowserInitialized();
    }

    async delay(ms: number): Promise<void> {
      if (this.destroyed) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }

    override async afterAuthReady(): Promise<void> {
      if (this.destroyed) return;
      await super.afterAuthReady();
      if (this.destroyed) clearInterval((this as unknown as { backupSync?: NodeJS.Timeout }).backupSync);
    }

    override async storeRemoteSession(options?: { emit?: boolean }): Promise<void> {
      if (this.destroyed) return;
      await super.storeRemoteSession(options);
    }

    private markClosed(): void {
      this.destroyed = true;
      this.wake?.();
    }

    override async destroy(): Promise<void> {
      this.markClosed();
      await super.destroy();
    }

    /** logout() comes here too. */
    override async disconnect(): Promise<void> {
      this.markClosed();
      await super.disconnect();
    }
  }
  return ClosableRemoteAuth as unknown as RemoteAuthClass;
}

/** A sentence an owner understands for why a session could not start. */
export function describeStartFailure(error: unknown): string {
  if (error instanceof BrowserMissingError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  if (
    /Failed to launch the browser process|spawn .* (ENOENT|EACCES)|Browser was not found|Could not find (Chrome|Chromium)/i.test(
      message,
    )
  ) {
    return `Chromium could not be started on this server (${firstLine(message)}). Check PUPPETEER_EXECUTABLE_PATH, then start the integration again.`;
  }
  if (/net::ERR_|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|Navigation timeout/i.test(message)) {
    return `WhatsApp Web (web.whatsapp.com) could not be reached from this server (${firstLine(message)}). Check the server's internet access, then start the integration again.`;
  }
  return `WhatsApp Web could not start: ${firstLine(message)}`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
