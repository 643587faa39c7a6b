// Webhook mode (PUBLIC_URL set): Telegram posts each update to /webhooks/telegram/{id}; the update is
// checked, queued as a job and acknowledged at once (Telegram resends what takes ~10 s or more), and
// a worker feeds it to the same bot handlers that polling uses.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BotError, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Assistant } from '../../core/assistant/assistant.ts';
import type { SecretBox } from '../../core/crypto/secret-box.ts';
import type { JobQueue } from '../../core/ports/job-queue.ts';
import type { WebhookReceiver } from '../../core/ports/channel.ts';
import { loadTelegramIntegration, markIntegrationError } from '../../core/integrations/integrations-service.ts';
import { createTelegramBot } from './telegram-runner.ts';

export const TELEGRAM_UPDATE_JOB = 'telegram-update';

/** The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token: derived, so nothing to store. */
export function telegramWebhookSecret(key: string, integrationId: string): string {
  return createHmac('sha256', key).update(`telegram-webhook:${integrationId}`).digest('base64url');
}

export function telegramWebhookUrl(publicUrl: string, integrationId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/telegram/${integrationId}`;
}

export interface TelegramWebhookDeps {
  db: Knex;
  secretBox: SecretBox;
  assistant: Assistant;
  logger: Logger;
  queue: JobQueue;
  secretKey: string;
  apiRoot?: string;
  replyDebounceMs?: number;
}

export function createTelegramWebhook(
  deps: TelegramWebhookDeps,
): WebhookReceiver & { handleJob(payload: Record<string, string>): Promise<void>; close(): Promise<void> } {
  // Bots built for webhook updates, one per integration and token, reused across updates.
  const bots = new Map<string, { token: string; bot: Promise<Bot> }>();
  // Debounced answers still being prepared, awaited at shutdown.
  const pending = new Set<Promise<void>>();

  async function botFor(integrationId: string, ownerId: string, token: string): Promise<Bot> {
    const cached = bots.get(integrationId);
    if (cached?.token === token) return cached.bot;
    const bot = (async () => {
      const created = createTelegramBot({
        integrationId,
        ownerId,
        token,
        apiRoot: deps.apiRoot,
        db: deps.db,
        assistant: deps.assistant,
        logger: deps.logger,
        replyDebounceMs: deps.replyDebounceMs,
        pending,
        onTokenRejected: (reason) =>
          void markIntegrationError(deps.db, integrationId, reason).catch((error: unknown) =>
            deps.logger.error({ err: error, integrationId }, 'could not mark the bot failed'),
          ),
      });
      await created.init();
      return created;
    })();
    bots.set(integrationId, { token, bot });
    bot.catch(() => bots.delete(integrationId));
    return bot;
  }

  return {
    async accept(integrationId, secret, update) {
      const expected = Buffer.from(telegramWebhookSecret(deps.secretKey, integrationId));
      const given = Buffer.from(secret ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
      if (
        typeof update !== 'object' ||
        update === null ||
        typeof (update as { update_id?: unknown }).update_id !== 'number'
      )
        return true; // nothing to do
      const updateId = (update as { update_id: number }).update_id;
      // The job id makes a redelivered update a no-op while the first copy is queued.
      await deps.queue.enqueue(
        TELEGRAM_UPDATE_JOB,
        { integrationId, update: JSON.stringify(update) },
        `tg:${integrationId}:${updateId}`,
      );
      return true;
    },

    async handleJob(payload) {
      const { integrationId, update } = payload;
      if (!integrationId || !update) return;
      const integration = await loadTelegramIntegration(deps.db, deps.secretBox, integrationId);
      if (integration?.status !== 'connected') return;
      const bot = await botFor(integrationId, integration.ownerId, integration.token);
      try {
        await bot.handleUpdate(JSON.parse(update) as Update);
      } catch (error) {
        // handleUpdate bypasses bot.catch: route the failure to the same handler polling uses
        // (apology to the customer, blocked-chat marking, a scrubbed log line).
        if (!(error instanceof BotError)) throw error;
        await bot.errorHandler(error);
      }
    },

    async close() {
      await Promise.all([...pending]);
    },
  };
}
