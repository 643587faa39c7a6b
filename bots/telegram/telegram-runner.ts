// One connected Telegram bot: long polling through @grammyjs/runner (parallel across chats, in order
// within a chat), each customer message through the assistant, replies split to Telegram's limit.
import { Bot, GrammyError, type Context } from 'grammy';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { autoRetry } from '@grammyjs/auto-retry';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Assistant } from '../../core/assistant/assistant.ts';
import { splitMessage } from '../../core/assistant/split-message.ts';
import { LANGUAGES, type Language } from '../../core/assistant/language.ts';
import { TELEGRAM_FETCH, TELEGRAM_MESSAGE_LIMIT, telegramChatRef } from './telegram-gateway.ts';
import { telegramPhrasesIn } from './telegram-phrases.ts';

/** An answer not sent within this time shows "typing…" to the customer until it is. */
export const TYPING_AFTER_MS = 500;

export interface TelegramRunnerDeps {
  integrationId: string;
  ownerId: string;
  token: string;
  apiRoot?: string;
  db: Knex;
  assistant: Assistant;
  logger: Logger;
  /** Called when Telegram refuses the token (revoked): the manager marks the integration and stops. */
  onTokenRejected: (reason: string) => void;
  /** Long-polling timeout in seconds (Telegram's maximum is 50). */
  pollTimeoutSeconds?: number;
  /** With PUBLIC_URL: Telegram pushes updates to this URL instead of the bot polling. */
  webhook?: { url: string; secret: string };
  /** Quiet period before answering, so several quick messages get one answer (0: answer at once). */
  replyDebounceMs?: number;
  /** Answers still being prepared are tracked here, so a stop can wait for them. */
  pending?: Set<Promise<void>>;
}

export interface TelegramRunner {
  start(): Promise<void>;
  /** `disable`: the integration was stopped or deleted, so a webhook is removed too. */
  stop(disable?: boolean): Promise<void>;
}

/** The bot with its handlers; fed either by long polling or by webhook updates (handleUpdate). */
export function createTelegramBot(deps: Omit<TelegramRunnerDeps, 'webhook'>): Bot {
  const log = deps.logger.child({ integrationId: deps.integrationId, ownerId: deps.ownerId });
  // grammY's default request timeout is 500 s; long polls need their own timeout plus a margin.
  const bot = new Bot(deps.token, {
    client: {
      ...(deps.apiRoot ? { apiRoot: deps.apiRoot } : {}),
      timeoutSeconds: (deps.pollTimeoutSeconds ?? 30) + 20,
      fetch: TELEGRAM_FETCH,
    },
  });
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 }));
  // A revoked token shows up as 401 on whatever call comes next, polling included.
  bot.api.config.use(async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (!result.ok && result.error_code === 401)
      deps.onTokenRejected(
        `Telegram refused the token (${result.description}); connect the bot again with a new token`,
      );
    return result;
  });
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));

  // /start, and /help too: a customer asking how the bot works is not asking the knowledge base.
  bot.command(['start', 'help'], async (ctx) => {
    const owner = await deps
      .db('owners')
      .where({ id: deps.ownerId })
      .first<{ salon_name: string; language: Language } | undefined>('salon_name', 'language');
    await ctx.reply(telegramPhrasesIn(customerLanguage(ctx, owner?.language)).welcome(owner?.salon_name ?? ''));
  });

  bot.on(['message:text', 'message:photo'], async (ctx) => {
    const message = ctx.message;
    const text = message.text ?? message.caption ?? '';
    let photo: { mimeType: string; data: Uint8Array } | undefined;
    if (message.photo?.length) photo = await downloadPhoto(ctx, deps.token, deps.apiRoot);
    const received = await deps.assistant.receive({
      ownerId: deps.ownerId,
      channel: 'telegram',
      chatRef: telegramChatRef(deps.integrationId, message.chat.id),
      integrationId: deps.integrationId,
      customer: {
        name: [message.from?.first_name, message.from?.last_name].filter(Boolean).join(' ') || undefined,
        username: message.from?.username,
      },
      text,
      photo,
      externalId: String(message.message_id),
    });
    if (received.kind !== 'stored') return;
    // "typing…" only for an answer that takes a while: a quick one needs no indicator, and every
    // indicator is a Bot API call counted against the bot's limits. Not awaited by the answer.
    const typing = setTimeout(
      () =>
        void ctx
          .replyWithChatAction('typing')
          .catch((error: unknown) => log.debug({ err: error }, 'typing indicator not sent; the answer still goes out')),
      TYPING_AFTER_MS,
    );
    const answer = async () => {
      try {
        // Answers only if no newer message arrived meanwhile: the newest one answers them all at once.
        const reply = await deps.assistant.answerIfLatest(deps.ownerId, received.chatId, received.messageId, photo);
        if (!reply) return;
        clearTimeout(typing); // before sending: the reply is what the customer was waiting for
        for (const part of splitMessage(reply.response, TELEGRAM_MESSAGE_LIMIT))
          await ctx.api.sendMessage(message.chat.id, part);
      } finally {
        clearTimeout(typing);
      }
    };
    const debounceMs = deps.replyDebounceMs ?? 0;
    if (debounceMs === 0) return answer();
    // Not awaited: the chat's next message must be stored while this one waits for its quiet period.
    const task = new Promise<void>((resolve) => setTimeout(resolve, debounceMs))
      .then(answer)
      .catch((error: unknown) => reportFailure(error, message.chat.id, ctx))
      .finally(() => deps.pending?.delete(task));
    deps.pending?.add(task);
  });

  bot.on('message', async (ctx) => {
    await ctx.reply(telegramPhrasesIn(customerLanguage(ctx)).unsupported);
  });

  async function reportFailure(cause: unknown, chatId: number | undefined, ctx: Context): Promise<void> {
    if (cause instanceof GrammyError && cause.error_code === 403 && chatId !== undefined) {
      // The customer blocked the bot: remember it, so the owner knows replies will not arrive.
      await deps
        .db('chats')
        .where({
          owner_id: deps.ownerId,
          channel: 'telegram',
          external_id: telegramChatRef(deps.integrationId, chatId),
        })
        .update({ customer_blocked: true })
        .catch((error: unknown) => log.warn({ err: error, chatId }, 'could not mark the chat blocked'));
      log.info({ chatId }, 'customer blocked the bot');
      return;
    }
    log.error({ err: cause, chatId }, 'telegram update failed');
    if (chatId !== undefined)
      await ctx.api
        .sendMessage(chatId, telegramPhrasesIn(customerLanguage(ctx)).failure)
        .catch((error: unknown) =>
          log.warn({ err: error, chatId }, 'could not tell the customer something went wrong'),
        );
  }

  bot.catch((error) => reportFailure(error.error, error.ctx.chat?.id, error.ctx));

  return bot;
}

export function createTelegramRunner(deps: TelegramRunnerDeps): TelegramRunner {
  const log = deps.logger.child({ integrationId: deps.integrationId, ownerId: deps.ownerId });
  const pending = new Set<Promise<void>>();
  const bot = createTelegramBot({ ...deps, pending });
  let handle: RunnerHandle | undefined;
  return {
    async start() {
      await bot.init(); // validates the token (getMe)
      if (deps.webhook) {
        // Telegram pushes updates to PUBLIC_URL; any API process receives them, the worker answers.
        await bot.api.setWebhook(deps.webhook.url, { secret_token: deps.webhook.secret, allowed_updates: ['message'] });
        log.info({ username: bot.botInfo.username }, 'telegram webhook set');
        return;
      }
      // Removes a webhook left by another deployment, so polling works.
      await bot.api.deleteWebhook();
      handle = run(bot, {
        runner: {
          fetch: { timeout: deps.pollTimeoutSeconds ?? 30, allowed_updates: ['message'] },
          silent: true,
          retryInterval: 'exponential',
          maxRetryTime: 15 * 60_000,
        },
      });
      // The runner gives up on 401 (revoked token), 409 (someone else polls this bot) and long outages:
      // its task then rejects, which must end this bot only, never the process.
      handle.task()?.catch((error: unknown) => {
        log.warn({ err: error }, 'telegram polling stopped');
        const status = error instanceof GrammyError ? error.error_code : undefined;
        const reason =
          status === 401
            ? 'Telegram refused the token; connect the bot again with a new token'
            : status === 409
              ? "Another program is receiving this bot's updates (getUpdates conflict); stop it, then start the bot here again"
              : 'Telegram could not be reached for a long time; start the bot again';
        deps.onTokenRejected(reason);
      });
      log.info({ username: bot.botInfo.username }, 'telegram bot polling');
    },
    async stop(disable = false) {
      if (handle?.isRunning()) await handle.stop();
      handle = undefined;
      await Promise.all([...pending]);
      if (disable && deps.webhook)
        await bot.api
          .deleteWebhook()
          .catch((error: unknown) => log.warn({ err: error }, 'could not remove the webhook'));
    },
  };
}

/** The customer's Telegram app language where it is one we answer in, else the owner's. */
function customerLanguage(ctx: Context, fallback: Language = 'ru'): Language {
  const code = ctx.from?.language_code ?? '';
  return LANGUAGES.find((language) => code.startsWith(language)) ?? fallback;
}

async function downloadPhoto(
  ctx: Context,
  token: string,
  apiRoot?: string,
): Promise<{ mimeType: string; data: Uint8Array } | undefined> {
  const sizes = ctx.message?.photo;
  const largest = sizes?.[sizes.length - 1];
  if (!largest) return undefined;
  const file = await ctx.api.getFile(largest.file_id);
  if (!file.file_path) return undefined;
  const response = await fetch(`${apiRoot ?? 'https://api.telegram.org'}/file/bot${token}/${file.file_path}`);
  if (!response.ok) return undefined;
  return { mimeType: 'image/jpeg', data: new Uint8Array(await response.arrayBuffer()) };
}
