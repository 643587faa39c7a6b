// Starts and stops the channel runners: Telegram bots and WhatsApp Web sessions. Each runs in exactly
// one process: the holder of its lease in the key/value store (Redis when several processes run),
// renewed while it runs and taken over by another process when the holder dies. Changes arrive at
// once by publish/subscribe. Processes share the Telegram bots evenly: each counts the live processes
// (a heartbeat) and takes no more than its fair share; one over it (another process joined) hands
// the excess over, and one that stops hands over all of its bots at once.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { GrammyError } from 'grammy';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { KeyValueStore } from '../core/ports/key-value-store.ts';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import type { Assistant } from '../core/assistant/assistant.ts';
import {
  INTEGRATIONS_CHANNEL,
  parseIntegrationEvent,
  publishIntegrationEvent,
} from '../core/integrations/integration-events.ts';
import { markIntegrationError } from '../core/integrations/integrations-service.ts';
import { createTelegramRunner, type TelegramRunner } from './telegram/telegram-runner.ts';
import type { WebClientFactory } from './whatsapp/whatsapp-web-client.ts';
import {
  createWhatsAppWebSession,
  WEB_SESSION_LIVE_STATUSES,
  type WhatsAppWebSession,
} from './whatsapp/whatsapp-web-session.ts';
import { createSessionStore } from './whatsapp/whatsapp-web-session-store.ts';
import type { WhatsAppWebRelay } from './whatsapp/whatsapp-web-relay.ts';
import { isWebSession, WEB_MODE_SQL } from '../core/integrations/public-info.ts';

export interface WhatsAppWebSettings {
  clientFactory: WebClientFactory;
  /** Where RemoteAuth writes session archives before they are sealed into the database. */
  sessionsDir: string;
  relay: WhatsAppWebRelay;
  /** Each session is a Chromium: at most this many in one process (others wait for another process). */
  maxSessions: number;
  startTimeoutMs?: number;
  reconnect?: { baseMs?: number; maxMs?: number; attempts?: number };
}

export interface BotManagerDeps {
  db: Knex;
  store: KeyValueStore;
  secretBox: SecretBox;
  assistant: Assistant;
  logger: Logger;
  telegramApiRoot?: string;
  leaseMs?: number;
  pollTimeoutSeconds?: number;
  replyDebounceMs?: number;
  /** Webhook mode: where Telegram should post updates, and each integration's secret. */
  webhook?: { url(integrationId: string): string; secret(integrationId: string): string };
  whatsappWeb?: WhatsAppWebSettings;
}

export interface BotManager {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Integration ids whose runners this process runs now (for tests and /health). */
  running(): string[];
}

type Running = { kind: 'telegram'; runner: TelegramRunner } | { kind: 'whatsapp-web'; runner: WhatsAppWebSession };
type Kind = Running['kind'];

/** The processes that run bots, each alive while its heartbeat lasts (a lease's length). */
const PROCESSES_GROUP = 'bot-processes';
/** A process that starts says so here, so the others hand over its share at once. */
const PROCESSES_CHANNEL = 'bot-processes';

const WEB_SESSION_WAITING_REASON =
  'Waiting for a free place: the server already runs as many WhatsApp Web sessions as it is set to (WHATSAPP_WEB_MAX_SESSIONS); this one starts when another stops';

interface IntegrationRow {
  id: string;
  owner_id: string;
  type: string;
  status: string;
  public_info: unknown;
  secrets_sealed: string | null;
}

function kindOf(row: IntegrationRow): Kind | undefined {
  if (row.type === 'telegram') return 'telegram';
  return isWebSession(row) ? 'whatsapp-web' : undefined;
}

function isWanted(kind: Kind, status: string): boolean {
  return kind === 'telegram' ? status === 'connected' : WEB_SESSION_LIVE_STATUSES.includes(status);
}

export function createBotManager(deps: BotManagerDeps): BotManager {
  const holder = randomUUID();
  const leaseMs = deps.leaseMs ?? 30_000;
  const runners = new Map<string, Running>();
  const log = deps.logger.child({ component: 'bot-manager' });
  let unsubscribe: (() => Promise<void>) | undefined;
  let unsubscribeProcesses: (() => Promise<void>) | undefined;
  let unserve: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Runners whose lease is being acquired, counted against the share or the session limit.
  const starting: Record<Kind, number> = { telegram: 0, 'whatsapp-web': 0 };
  // Reconciliations of one integration run one after another, never interleaved.
  const queues = new Map<string, Promise<void>>();
  const leaseKey = (kind: Kind, id: string) => `lease:${kind}:${id}`;
  // How many Telegram bots this process may run: its even share of the connected ones among the live
  // processes (recounted at every renewal, and on an event when this process is at its share).
  // Zero until first counted, so an event that comes before the first round counts before it starts a bot.
  let telegramShare = 0;
  const telegramRunning = () => [...runners.values()].filter((running) => running.kind === 'telegram').length;

  async function countShare(connectedBots?: number): Promise<number> {
    // A stopped process must not count itself back in (a round still running when stop() was called).
    if (stopped) return (telegramShare = 0);
    const [processes, connected] = await Promise.all([
      deps.store.heartbeat(PROCESSES_GROUP, holder, leaseMs),
      connectedBots ??
        deps
          .db('integrations')
          .where({ type: 'telegram', status: 'connected' })
          .count<{ count: string | number }[]>({ count: '*' })
          .then((rows) => Number(rows[0]?.count ?? 0)),
    ]);
    telegramShare = Math.max(1, Math.ceil(connected / Math.max(1, processes)));
    return telegramShare;
  }

  /** Runs work on one integration after what is queued for it, never interleaved; a failure is logged. */
  function enqueue(id: string, work: () => Promise<void>, failure: string): Promise<void> {
    const next = (queues.get(id) ?? Promise.resolve())
      .then(work)
      .catch((error: unknown) => log.error({ err: error, integrationId: id }, failure));
    queues.set(id, next);
    return next;
  }

  /** `fromEvent`: a change, not a renewal round, so the share is recounted before it refuses a bot. */
  function reconcile(id: string, fromEvent = false): Promise<void> {
    return enqueue(id, () => reconcileNow(id, fromEvent), 'bot reconcile failed');
  }

  /** Stops bots over this process's share and tells the other processes they are free (one round at a time). */
  let handingOver = Promise.resolve();
  function handOverExcess(): Promise<void> {
    handingOver = handingOver.then(async () => {
      const excess = telegramRunning() - telegramShare;
      if (excess <= 0 || stopped) return;
      const ids = [...runners]
        .filter(([, running]) => running.kind === 'telegram')
        .map(([id]) => id)
        .slice(-excess);
      await Promise.all(ids.map((id) => handOver(id)));
    });
    return handingOver;
  }

  function handOver(id: string): Promise<void> {
    return enqueue(
      id,
      async () => {
        await stopRunner(id);
        await publishIntegrationEvent(deps.store, { integrationId: id, change: 'released' });
        log.info({ integrationId: id }, 'telegram bot handed over to another process');
      },
      'bot hand-over failed',
    );
  }

  /**
   * Acquires a lease while counting it among the runners this process is starting (`starting[kind]`),
   * so parallel reconciliations see it before the lease is awaited and cannot overshoot a limit.
   */
  async function acquireCounted(kind: Kind, lease: string): Promise<boolean> {
    starting[kind] += 1;
    try {
      return await deps.store.acquireLease(lease, holder, leaseMs);
    } finally {
      starting[kind] -= 1;
    }
  }

  /** `disable`: stopped or deleted (a Telegram webhook goes too); `deleted`: a WhatsApp Web phone is unlinked. */
  async function stopRunner(id: string, disable = false, deleted = false): Promise<void> {
    const running = runners.get(id);
    if (!running) return;
    runners.delete(id);
    if (running.kind === 'telegram') await running.runner.stop(disable);
    else await running.runner.stop({ forget: deleted });
    await deps.store.releaseLease(leaseKey(running.kind, id), holder);
    log.info({ integrationId: id, kind: running.kind }, 'channel runner stopped');
  }

  async function reconcileNow(id: string, fromEvent: boolean): Promise<void> {
    const row = stopped
      ? undefined
      : await deps
          .db('integrations')
          .where({ id })
          .first<IntegrationRow | undefined>('id', 'owner_id', 'type', 'status', 'public_info', 'secrets_sealed');
    const kind = row ? kindOf(row) : undefined;
    if (!row || !kind || !isWanted(kind, row.status)) return stopRunner(id, true, !row && !stopped);
    const lease = leaseKey(kind, id);
    // A session that failed is over even if the owner has just asked for it again: a new one starts.
    const current = runners.get(id);
    if (current?.kind === 'whatsapp-web' && current.runner.ended()) await stopRunner(id);
    if (runners.has(id)) {
      // Still ours? If another process took the lease (we stalled past it), let it have the runner.
      if (!(await deps.store.acquireLease(lease, holder, leaseMs))) await stopRunner(id);
      return;
    }
    if (kind === 'whatsapp-web') return startWebSession(row, lease);
    if (!row.secrets_sealed) return;
    // At its share: a change may have raised it (more bots, fewer processes), so an event recounts.
    const atShare = () => telegramRunning() + starting.telegram >= telegramShare;
    if (atShare()) {
      if (!fromEvent) return;
      await countShare();
      if (atShare()) return;
    }
    if (!(await acquireCounted('telegram', lease))) return;
    const { token } = JSON.parse(deps.secretBox.decrypt(row.secrets_sealed)) as { token: string };
    const runner = createTelegramRunner({
      integrationId: id,
      ownerId: row.owner_id,
      token,
      apiRoot: deps.telegramApiRoot,
      db: deps.db,
      assistant: deps.assistant,
      logger: deps.logger,
      pollTimeoutSeconds: deps.pollTimeoutSeconds,
      replyDebounceMs: deps.replyDebounceMs,
      webhook: deps.webhook ? { url: deps.webhook.url(id), secret: deps.webhook.secret(id) } : undefined,
      onTokenRejected: (reason) => {
        markIntegrationError(deps.db, id, reason)
          .then(() => reconcile(id))
          .catch((error: unknown) => log.error({ err: error, integrationId: id }, 'could not mark the bot failed'));
      },
    });
    const running: Running = { kind: 'telegram', runner };
    runners.set(id, running);
    try {
      await runner.start();
      // Stopped (shutdown, or a change) while it was starting: do not leave it running, nor its lease held.
      if (stopped || runners.get(id) !== running) {
        // Shut down after stop() listed the runners: this one is still in the map, and ours to clear.
        if (runners.get(id) === running) runners.delete(id);
        await runner.stop();
        if (!runners.has(id)) {
          await deps.store.releaseLease(lease, holder);
          if (stopped)
            await publishIntegrationEvent(deps.store, { integrationId: id, change: 'released' }).catch(
              (error: unknown) =>
                // The others then take the bot over when its lease is seen free, a little later.
                log.warn({ err: error, integrationId: id }, 'could not announce a released bot'),
            );
        }
      }
    } catch (error) {
      runners.delete(id);
      await deps.store.releaseLease(lease, holder);
      // getMe answers 401 (revoked) or 404 (no such bot) for a token Telegram will never accept.
      if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404))
        await markIntegrationError(deps.db, id, 'Telegram refused the token; connect the bot again with a new token');
      log.warn({ err: error, integrationId: id }, 'telegram bot could not start');
    }
  }

  async function startWebSession(row: IntegrationRow, lease: string): Promise<void> {
    const web = deps.whatsappWeb;
    if (!web) return;
    const sessions =
      [...runners.values()].filter((running) => running.kind === 'whatsapp-web').length + starting['whatsapp-web'];
    if (sessions >= web.maxSessions) {
      log.warn(
        { integrationId: row.id, sessions },
        'WhatsApp Web session limit of this process reached; leaving it to another process',
      );
      // The owner sees why nothing happens yet (only while it is still waiting to start).
      await deps
        .db('integrations')
        .where({ id: row.id, owner_id: row.owner_id, status: 'pending' })
        .whereRaw('status_reason is distinct from ?', [WEB_SESSION_WAITING_REASON])
        .update({ status_reason: WEB_SESSION_WAITING_REASON, updated_at: new Date() });
      return;
    }
    const leased = await acquireCounted('whatsapp-web', lease);
    if (!leased || stopped) {
      if (leased) await deps.store.releaseLease(lease, holder);
      return;
    }
    const runner = createWhatsAppWebSession({
      integrationId: row.id,
      ownerId: row.owner_id,
      db: deps.db,
      store: deps.store,
      sessionStore: createSessionStore({
        db: deps.db,
        secretBox: deps.secretBox,
        integrationId: row.id,
        ownerId: row.owner_id,
        dataPath: web.sessionsDir,
      }),
      assistant: deps.assistant,
      logger: deps.logger,
      clientFactory: web.clientFactory,
      startTimeoutMs: web.startTimeoutMs,
      reconnect: web.reconnect,
      replyDebounceMs: deps.replyDebounceMs,
      onEnded: () => void reconcile(row.id),
      profileDir: path.join(web.sessionsDir, `RemoteAuth-${row.id}`),
    });
    runners.set(row.id, { kind: 'whatsapp-web', runner });
    // Not awaited: a session waits up to a minute for its QR code, and must not hold up other changes.
    void runner
      .start()
      .catch((error: unknown) =>
        log.error({ err: error, integrationId: row.id }, 'whatsapp web session could not start'),
      );
  }

  async function reconcileAll(): Promise<void> {
    const rows = await deps
      .db('integrations')
      .where({ type: 'telegram', status: 'connected' })
      .orWhere((query) =>
        query.where({ type: 'whatsapp' }).whereIn('status', WEB_SESSION_LIVE_STATUSES).whereRaw(WEB_MODE_SQL),
      )
      .select<{ id: string; type: string }[]>('id', 'type');
    await countShare(rows.filter((row) => row.type === 'telegram').length);
    const ids = new Set([...rows.map((row) => row.id), ...runners.keys()]);
    await Promise.all([...ids].map((id) => reconcile(id)));
    await handOverExcess();
  }

  return {
    async start() {
      unsubscribe = await deps.store.subscribe(INTEGRATIONS_CHANNEL, (message) => {
        const event = parseIntegrationEvent(message);
        if (event) void reconcile(event.integrationId, true);
      });
      if (deps.whatsappWeb) {
        unserve = await deps.whatsappWeb.relay.serve((id) => {
          const running = runners.get(id);
          return running?.kind === 'whatsapp-web' ? running.runner : undefined;
        });
      }
      unsubscribeProcesses = await deps.store.subscribe(PROCESSES_CHANNEL, (joined) => {
        if (joined === holder || stopped) return;
        void countShare()
          .then(() => handOverExcess())
          .catch((error: unknown) => log.error({ err: error }, 'sharing bots with a new process failed'));
      });
      // Start-up does not wait for Telegram or WhatsApp: an unreachable service must not hold the API back.
      // Once this process is counted (the first round's heartbeat), the others hand over its share.
      void reconcileAll()
        .then(() => (stopped ? undefined : deps.store.publish(PROCESSES_CHANNEL, holder)))
        .catch((error: unknown) => log.error({ err: error }, 'starting bots failed'));
      // Renews our leases and picks up runners whose process died; a third of the lease keeps a margin.
      timer = setInterval(
        () => void reconcileAll().catch((error: unknown) => log.error({ err: error }, 'bot lease renewal failed')),
        Math.max(1000, Math.floor(leaseMs / 3)),
      );
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await unsubscribe?.();
      await unsubscribeProcesses?.();
      await unserve?.();
      // Out of the count first, so the processes that take the bots over count without this one.
      await deps.store
        .leave(PROCESSES_GROUP, holder)
        .catch((error: unknown) => log.warn({ err: error }, 'could not leave the bot processes group'));
      // Bots still starting are not waited for (their start may hang on the network); each one stops
      // itself when its start returns and finds the manager stopped.
      const released = [...runners].filter(([, running]) => running.kind === 'telegram').map(([id]) => id);
      await Promise.all([...runners.keys()].map((id) => stopRunner(id)));
      // The other processes take the bots over now, not when they would have noticed the free leases.
      await Promise.all(
        released.map((id) =>
          publishIntegrationEvent(deps.store, { integrationId: id, change: 'released' }).catch((error: unknown) =>
            log.warn({ err: error, integrationId: id }, 'could not announce a released bot'),
          ),
        ),
      );
      // Once more: a heartbeat already on its way when stop() began may have counted this process back in.
      await deps.store
        .leave(PROCESSES_GROUP, holder)
        .catch((error: unknown) =>
          log.warn(
            { err: error },
            'could not leave the process group; the others count this process until its heartbeat expires',
          ),
        );
    },
    running: () => [...runners.keys()],
  };
}
