// One WhatsApp Web (whatsapp-web.js) session: its QR code, its status (pending → pending_qr →
// connected → disconnected/error, each with a reason), reconnection with backoff, and customers'
// messages through the same assistant as every other channel.
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Assistant } from '../../core/assistant/assistant.ts';
import type { KeyValueStore } from '../../core/ports/key-value-store.ts';
import { webSessionQrKey } from '../../core/integrations/integration-events.ts';
import { describeStartFailure, type WebClient, type WebClientFactory, type WebMessage } from './whatsapp-web-client.ts';
import type { RemoteAuthStore } from './whatsapp-web-session-store.ts';
import { unsupportedPhrase } from './whatsapp-phrases.ts';
import { ChannelRejectedError } from '../../core/errors.ts';

const QR_TTL_MS = 60_000;
// Closing a session's browser takes at most GRACEFUL_CLOSE_MS + KILL_WAIT_MS (4 s): within main.ts's
// shutdown deadline, beside the rest of the shutdown.
/** How long a browser may take to close before it is killed. */
const GRACEFUL_CLOSE_MS = 2500;
/** How long a killed browser may take to exit (and its profile to go) before closing stops waiting. */
const KILL_WAIT_MS = 1500;

const DISCONNECT_REASONS: Record<string, string> = {
  BROWSER_CLOSED: 'The browser of this session stopped',
  CONFLICT: 'WhatsApp Web was opened on another computer',
  UNPAIRED: 'The phone unlinked this device',
  TOS_BLOCK: 'WhatsApp blocked this number for automation',
  SMB_TOS_BLOCK: 'WhatsApp blocked this number for automation',
  DEPRECATED_VERSION: 'WhatsApp no longer accepts this WhatsApp Web version; update whatsapp-web.js',
};

export const SCAN_REASON =
  'Scan the QR code with WhatsApp on the business phone: Settings → Linked devices → Link a device';

export interface WhatsAppWebSessionDeps {
  integrationId: string;
  ownerId: string;
  db: Knex;
  store: KeyValueStore;
  sessionStore: RemoteAuthStore;
  assistant: Assistant;
  logger: Logger;
  clientFactory: WebClientFactory;
  /** How long a start may take to show a QR code or reconnect (default 60 s). */
  startTimeoutMs?: number;
  /** Reconnect backoff: first wait and ceiling (defaults 2 s and 5 min), and attempts before giving up. */
  reconnect?: { baseMs?: number; maxMs?: number; attempts?: number };
  replyDebounceMs?: number;
  /** The session ended by itself (error): the manager forgets it and frees its lease. */
  onEnded: () => void;
  /**
   * The browser profile RemoteAuth unpacks the login into while the session runs. It is removed once
   * the browser is closed, so the login rests only sealed in the database.
   */
  profileDir?: string;
}

export interface WhatsAppWebSession {
  start(): Promise<void>;
  /** `forget`: the integration was deleted, so the phone is unlinked too (best effort). */
  stop(options?: { forget?: boolean }): Promise<void>;
  /** The owner's own message to a customer of this session. */
  send(to: string, text: string): Promise<void>;
  /** True once the session failed and closed its browser (it does not start again by itself). */
  ended(): boolean;
}

type Status = 'pending' | 'pending_qr' | 'connected' | 'disconnected' | 'error';

/** Statuses in which a session should be running (starting, waiting for a scan, connected, reconnecting). */
export const WEB_SESSION_LIVE_STATUSES = ['pending', 'pending_qr', 'connected', 'disconnected'];

// One-to-one chats arrive as <number>@c.us or, on newer WhatsApp Web, <id>@lid: skip what is not one
// (groups, broadcasts and status updates, channels) rather than list what is.
const isCustomerChat = (message: WebMessage) =>
  !message.fromMe && !message.isStatus && !/@(g\.us|broadcast|newsletter)$/.test(message.from);

export function createWhatsAppWebSession(deps: WhatsAppWebSessionDeps): WhatsAppWebSession {
  const log = deps.logger.child({
    integrationId: deps.integrationId,
    ownerId: deps.ownerId,
    component: 'whatsapp-web',
  });
  const startTimeoutMs = deps.startTimeoutMs ?? 60_000;
  const backoff = {
    baseMs: deps.reconnect?.baseMs ?? 2000,
    maxMs: deps.reconnect?.maxMs ?? 5 * 60_000,
    attempts: deps.reconnect?.attempts ?? 8,
  };
  let client: WebClient | undefined;
  let ready = false;
  let stopping = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> = Promise.resolve();
  let hasEnded = false;
  const chats = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();
  // What the client's events do to the status runs in the order the events came (a QR code's write
  // must never land after the "ready" that followed it).
  let updates: Promise<void> = Promise.resolve();
  const inOrder = (what: string, work: () => Promise<void>) => {
    updates = updates.then(work).catch((error: unknown) => log.error({ err: error }, `could not ${what}`));
  };

  async function setStatus(status: Status, reason: string | null, extra: Record<string, unknown> = {}): Promise<void> {
    if (stopping) return;
    // Only over a live status: the owner's stop (or a delete) written meanwhile must win.
    await deps
      .db('integrations')
      .where({ id: deps.integrationId, owner_id: deps.ownerId })
      .whereIn('status', WEB_SESSION_LIVE_STATUSES)
      .update({ status, status_reason: reason, updated_at: new Date(), ...extra });
  }

  async function fail(reason: string): Promise<void> {
    log.warn({ reason }, 'whatsapp web session failed');
    // The browser is closed first: once the owner sees `error`, nothing of the session still runs.
    await shutdownClient();
    hasEnded = true;
    await setStatus('error', reason).catch((error: unknown) =>
      log.error({ err: error }, 'could not record the failure'),
    );
    if (!stopping) deps.onEnded();
  }

  /** Closes the current client; closings run one after another, so a stop waits for one in flight. */
  function shutdownClient(logout = false): Promise<void> {
    const current = client;
    client = undefined;
    ready = false;
    closing = closing.then(() => closeClient(current, logout));
    return closing;
  }

  async function closeClient(current: WebClient | undefined, logout: boolean): Promise<void> {
    await deps.store
      .delete(webSessionQrKey(deps.integrationId))
      .catch((error: unknown) => log.warn({ err: error }, 'could not forget the QR code; it expires by itself'));
    if (current) await closeBrowser(current, { logout, removeProfile: true });
  }

  /**
   * Closes a client's browser, and kills it if it has not closed within GRACEFUL_CLOSE_MS (it hangs, or
   * is still launching on a loaded machine). Resolves once the browser no longer runs, within
   * GRACEFUL_CLOSE_MS + KILL_WAIT_MS, so a shutdown fits its deadline. The profile is removed only
   * after that, never while the browser runs (later, if a killed browser is slow to exit), and not at
   * all if a new client of this session has started meanwhile (it uses the same directory).
   */
  async function closeBrowser(current: WebClient, options: { logout: boolean; removeProfile: boolean }): Promise<void> {
    const graceful = (
      options.logout
        ? current.logout().catch((error: unknown) => {
            log.warn({ err: error }, 'logging out of WhatsApp Web failed; closing the browser without it');
            return current.destroy();
          })
        : current.destroy()
    ).then(
      () => 'closed' as const,
      (error: unknown) => {
        log.warn({ err: error }, 'closing the browser failed; killing it');
        return 'failed' as const;
      },
    );
    const outcome = await Promise.race([graceful, delay(GRACEFUL_CLOSE_MS, 'timeout' as const, { ref: false })]);
    if (outcome === 'timeout') log.warn(`the browser did not close within ${GRACEFUL_CLOSE_MS} ms; killing it`);
    const gone =
      outcome === 'closed'
        ? Promise.resolve()
        : current.kill().catch((error: unknown) => log.error({ err: error }, 'killing the browser failed'));
    const done = gone.then(() => (options.removeProfile ? removeProfile() : undefined)).then(() => true);
    if (!(await Promise.race([done, delay(KILL_WAIT_MS, false, { ref: false })])))
      log.error(
        `the browser was not gone within ${KILL_WAIT_MS} ms of closing or being killed; its profile goes once it is`,
      );
  }

  async function removeProfile(): Promise<void> {
    if (!deps.profileDir || client) return;
    await rm(deps.profileDir, { recursive: true, force: true, maxRetries: 5 }).catch((error: unknown) =>
      log.warn({ err: error }, 'could not remove the browser profile'),
    );
  }

  function scheduleReconnect(reason: string): void {
    if (stopping) return;
    failures += 1;
    if (failures > backoff.attempts) {
      void fail(`WhatsApp Web kept disconnecting (${reason}); start the integration again`);
      return;
    }
    const wait = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1));
    log.info({ reason, waitMs: wait, attempt: failures }, 'whatsapp web reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect(true);
    }, wait);
  }

  /** A client this session no longer wants (stopped or replaced while starting): its browser is closed. */
  async function abandon(current: WebClient): Promise<void> {
    await closeBrowser(current, { logout: false, removeProfile: stopping });
  }

  /** Starts a client; resolves once it shows a QR code or is ready, or the session has failed. */
  async function connect(reconnecting: boolean): Promise<void> {
    if (stopping) return;
    let current: WebClient;
    try {
      current = await deps.clientFactory({ integrationId: deps.integrationId, store: deps.sessionStore });
    } catch (error) {
      return fail(describeStartFailure(error));
    }
    // Stopped while the library was loading: this client must never launch a browser.
    if (stopping) return abandon(current);
    client = current;
    let shown: () => void = () => {};
    const visible = new Promise<void>((resolve) => (shown = resolve));

    current.on('qr', (qr) => {
      shown();
      inOrder('publish the QR code', async () => {
        if (client !== current) return;
        await deps.store.set(webSessionQrKey(deps.integrationId), qr, QR_TTL_MS);
        await setStatus('pending_qr', SCAN_REASON);
      });
    });
    current.on('ready', () => {
      shown();
      ready = true;
      failures = 0;
      const user = current.info?.wid?.user;
      inOrder('record the connection', async () => {
        await deps.store.delete(webSessionQrKey(deps.integrationId));
        // Merged in the statement that records the connection: the phone's number joins what is there.
        const shown = { mode: 'web', ...(user ? { display_phone_number: `+${user}` } : {}) };
        await setStatus('connected', null, {
          connected_at: new Date(),
          public_info: deps.db.raw('public_info || ?::jsonb', [JSON.stringify(shown)]),
        });
        log.info('whatsapp web session connected');
      });
    });
    current.on('auth_failure', (message) => {
      inOrder('handle the auth failure', async () => {
        await deps.sessionStore.delete({ session: `RemoteAuth-${deps.integrationId}` });
        await fail(`WhatsApp refused the saved login (${message}); start the integration again and scan a new QR code`);
      });
    });
    current.on('disconnected', (reason) => {
      if (stopping || client !== current) return;
      inOrder('handle the disconnect', async () => {
        if (/max qrcode retries/i.test(reason)) {
          return fail('The QR code was not scanned in time; start the integration again to get a new one');
        }
        if (reason === 'LOGOUT') {
          // whatsapp-web.js has dropped the saved login and shows a new QR code on this same client.
          await setStatus('disconnected', 'Logged out from the phone; scan the new QR code to link it again');
          return;
        }
        // Any other state (CONFLICT, UNPAIRED, …): whatsapp-web.js has dropped the saved login and closes
        // itself, so the new client (started with backoff) shows a new QR code. Only after a browser
        // crash is the login still there, and the new client reconnects without a scan.
        try {
          await setStatus(
            'disconnected',
            `${DISCONNECT_REASONS[reason] ?? `WhatsApp Web disconnected (${reason})`}; ${reason === 'BROWSER_CLOSED' ? 'reconnecting' : 'a new QR code is being prepared'}`,
          );
        } finally {
          await shutdownClient();
          scheduleReconnect(reason);
        }
      });
    });
    current.on('message', (message) => {
      if (!isCustomerChat(message)) return;
      const previous = chats.get(message.from) ?? Promise.resolve();
      const next = previous
        .then(() => handleMessage(message))
        .catch((error: unknown) => log.error({ err: error }, 'whatsapp web message failed'));
      chats.set(message.from, next);
      void next.finally(() => {
        if (chats.get(message.from) === next) chats.delete(message.from);
      });
    });

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), startTimeoutMs)),
    );
    const started = current.initialize();
    // A browser that finished launching after a stop (destroy() before the launch closes nothing) is closed now.
    const abandonIfUnwanted = () => {
      if (stopping || client !== current) void abandon(current);
    };
    started.then(abandonIfUnwanted, abandonIfUnwanted);
    try {
      const outcome = await Promise.race([
        visible.then(() => 'shown' as const),
        started.then(() => visible).then(() => 'shown' as const),
        deadline,
      ]);
      if (outcome === 'shown') {
        // A start that fails after the QR appeared still ends (or retries) the session.
        started.catch((error: unknown) => {
          if (stopping || client !== current) return;
          void shutdownClient().then(() => scheduleReconnect(describeStartFailure(error)));
        });
      } else {
        const reason = `WhatsApp Web showed no QR code within ${Math.round(startTimeoutMs / 1000)} s (web.whatsapp.com may be unreachable from this server); start the integration again`;
        if (reconnecting) {
          await shutdownClient();
          scheduleReconnect('no answer from WhatsApp Web');
        } else await fail(reason);
      }
    } catch (error) {
      if (stopping || client !== current) return;
      if (reconnecting && failures <= backoff.attempts) {
        await shutdownClient();
        scheduleReconnect(describeStartFailure(error));
      } else await fail(describeStartFailure(error));
    } finally {
      clearTimeout(timer);
    }
  }

  async function handleMessage(message: WebMessage): Promise<void> {
    const current = client;
    if (!current) return;
    const isText = message.type === 'chat' && message.body.trim() !== '';
    const received = await deps.assistant.receive({
      ownerId: deps.ownerId,
      channel: 'whatsapp',
      chatRef: `${deps.integrationId}:${message.from}`,
      integrationId: deps.integrationId,
      customer: { name: message._data?.notifyName, username: message.from.replace(/@(c\.us|lid)$/, '') },
      text: isText ? message.body : `[${message.type}]`,
      externalId: message.id._serialized,
    });
    if (received.kind !== 'stored') return;
    void current
      .sendSeen(message.from)
      .catch((error: unknown) => log.debug({ err: error }, 'read receipt not sent; the message is answered anyway'));
    if (!isText) {
      const owner = await deps
        .db('owners')
        .where({ id: deps.ownerId })
        .first<{ language: string } | undefined>('language');
      await current.sendMessage(message.from, unsupportedPhrase(owner?.language));
      return;
    }
    const answer = async () => {
      const reply = await deps.assistant.answerIfLatest(deps.ownerId, received.chatId, received.messageId);
      if (reply && client) await client.sendMessage(message.from, reply.response);
    };
    const debounceMs = deps.replyDebounceMs ?? 0;
    if (debounceMs === 0) return answer();
    // Not awaited: the chat's next message is stored while this one waits for its quiet period.
    const task = new Promise<void>((resolve) => setTimeout(resolve, debounceMs))
      .then(answer)
      .catch((error: unknown) => log.error({ err: error }, 'whatsapp web answer failed'))
      .finally(() => pending.delete(task));
    pending.add(task);
  }

  return {
    async start() {
      await setStatus('pending', 'Starting WhatsApp Web; the QR code appears in a few seconds');
      await connect(false);
    },
    async stop(options = {}) {
      stopping = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await Promise.all([...pending, ...chats.values()]);
      await shutdownClient(options.forget === true);
    },
    ended: () => hasEnded,
    async send(to, text) {
      if (!client || !ready)
        throw new ChannelRejectedError(
          'the WhatsApp Web session of this chat is not connected right now; check the integration',
          409,
        );
      await client.sendMessage(to, text);
    },
  };
}
