// Starts and stops the connected bots. Each bot is polled by exactly one process: the holder of its
// lease in the key/value store (Redis when several processes run), renewed while it runs and taken
// over by another process when the holder dies. Changes arrive at once by publish/subscribe.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { KeyValueStore } from '../core/ports/key-value-store.ts';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import type { Assistant } from '../core/assistant/assistant.ts';
import { INTEGRATIONS_CHANNEL, parseIntegrationEvent } from '../core/integrations/integration-events.ts';
import { loadTelegramIntegration, markIntegrationError } from '../core/integrations/integrations-service.ts';
import { createTelegramRunner, type TelegramRunner } from './telegram/telegram-runner.ts';

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
}

export interface BotManager {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Integration ids whose bots this process runs now (for tests and /health). */
  running(): string[];
}

export function createBotManager(deps: BotManagerDeps): BotManager {
  const holder = randomUUID();
  const leaseMs = deps.leaseMs ?? 30_000;
  const runners = new Map<string, TelegramRunner>();
  const log = deps.logger.child({ component: 'bot-manager' });
  let unsubscribe: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Reconciliations of one integration run one after another, never interleaved.
  const queues = new Map<string, Promise<void>>();
  const leaseKey = (id: string) => `lease:telegram:${id}`;

  function reconcile(id: string): Promise<void> {
    const next = (queues.get(id) ?? Promise.resolve()).then(() => reconcileNow(id)).catch((error: unknown) => log.error({ err: error, integrationId: id }, 'bot reconcile failed'));
    queues.set(id, next);
    return next;
  }

  /** `disable`: the bot was stopped or deleted (its webhook goes too), not just this process stopping. */
  async function stopRunner(id: string, disable = false): Promise<void> {
    const runner = runners.get(id);
    if (!runner) return;
    runners.delete(id);
    await runner.stop(disable);
    await deps.store.releaseLease(leaseKey(id), holder);
    log.info({ integrationId: id }, 'telegram bot stopped');
  }

  async function reconcileNow(id: string): Promise<void> {
    const integration = stopped ? undefined : await loadTelegramIntegration(deps.db, deps.secretBox, id);
    const wanted = integration?.status === 'connected';
    if (!wanted || !integration) return stopRunner(id, true);
    if (runners.has(id)) {
      // Still ours? If another process took the lease (we stalled past it), let it have the bot.
      if (!(await deps.store.acquireLease(leaseKey(id), holder, leaseMs))) await stopRunner(id);
      return;
    }
    if (!(await deps.store.acquireLease(leaseKey(id), holder, leaseMs))) return;
    const runner = createTelegramRunner({
      integrationId: id,
      ownerId: integration.ownerId,
      token: integration.token,
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
    runners.set(id, runner);
    try {
      await runner.start();
      // Stopped (shutdown, or a change) while it was starting: do not leave it running.
      if (stopped || runners.get(id) !== runner) await runner.stop();
    } catch (error) {
      runners.delete(id);
      await deps.store.releaseLease(leaseKey(id), holder);
      const status = (error as { error_code?: number }).error_code;
      if (status === 401 || status === 404) await markIntegrationError(deps.db, id, 'Telegram refused the token; connect the bot again with a new token');
      log.warn({ err: error, integrationId: id }, 'telegram bot could not start');
    }
  }

  async function reconcileAll(): Promise<void> {
    const rows = await deps.db('integrations').where({ type: 'telegram', status: 'connected' }).select<{ id: string }[]>('id');
    const ids = new Set([...rows.map((row) => row.id), ...runners.keys()]);
    await Promise.all([...ids].map((id) => reconcile(id)));
  }

  return {
    async start() {
      unsubscribe = await deps.store.subscribe(INTEGRATIONS_CHANNEL, (message) => {
        const event = parseIntegrationEvent(message);
        if (event) void reconcile(event.integrationId);
      });
      // Start-up does not wait for Telegram: an unreachable Bot API must not hold the API back.
      void reconcileAll().catch((error: unknown) => log.error({ err: error }, 'starting bots failed'));
      // Renews our leases and picks up bots whose process died; a third of the lease keeps a margin.
      timer = setInterval(() => void reconcileAll().catch((error: unknown) => log.error({ err: error }, 'bot lease renewal failed')), Math.max(1000, Math.floor(leaseMs / 3)));
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await unsubscribe?.();
      // Bots still starting are not waited for (their start may hang on the network); each one stops
      // itself when its start returns and finds the manager stopped.
      await Promise.all([...runners.keys()].map((id) => stopRunner(id)));
    },
    running: () => [...runners.keys()],
  };
}
