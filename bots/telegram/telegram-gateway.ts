// The Bot API calls the core needs (token check, owner replies), through grammY's Api client.
import { Api, GrammyError, HttpError, type ApiClientOptions } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import type { TelegramGateway } from '../../core/ports/channel.ts';
import { splitMessage } from '../../core/assistant/split-message.ts';
import { jsonFetch } from '../../infra/json-fetch.ts';
import { ChannelRejectedError } from '../../core/errors.ts';

export const TELEGRAM_MESSAGE_LIMIT = 4096;

/** grammY's HTTP client for every Bot API call: undici's request API (infra/json-fetch.ts), not node-fetch. */
export const TELEGRAM_FETCH = jsonFetch as unknown as NonNullable<ApiClientOptions['fetch']>;

/**
 * A Telegram chat's key in our store. A customer's chat id is the same for every bot they write to,
 * and message ids restart per bot, so the bot (integration) is part of the key.
 */
export function telegramChatRef(integrationId: string, chatId: number | string): string {
  return `${integrationId}:${chatId}`;
}

/** The Telegram chat id back from our key (older keys are the bare chat id). */
export function telegramChatId(chatRef: string): string {
  return chatRef.slice(chatRef.lastIndexOf(':') + 1);
}

/**
 * The client for calls an owner is waiting on (connect, token test, owner replies): a short request
 * timeout instead of grammY's 500 s, short 429 waits honoured, and network failures reported at once
 * rather than retried with backoff while the owner's request hangs.
 */
export function createTelegramApi(token: string, apiRoot?: string): Api {
  const api = new Api(token, { ...(apiRoot ? { apiRoot } : {}), timeoutSeconds: 15, fetch: TELEGRAM_FETCH });
  api.config.use(autoRetry({ maxRetryAttempts: 2, maxDelaySeconds: 10, rethrowHttpErrors: true }));
  return api;
}

export function toChannelError(error: unknown): unknown {
  if (error instanceof GrammyError && error.error_code < 500 && error.error_code !== 429) {
    return new ChannelRejectedError(error.description.replace(/^[^:]*: ?/, '') || error.description, error.error_code, {
      cause: error,
    });
  }
  // The network failed: the original error's message holds the request URL, token included.
  if (error instanceof HttpError)
    return new Error('Telegram could not be reached', {
      cause: { message: String(error.message).replace(/bot\d+:[\w-]+/g, 'bot[redacted]') },
    });
  return error;
}

export function createTelegramGateway(apiRoot?: string): TelegramGateway {
  return {
    async getMe(token) {
      // A token with characters Telegram never issues is refused here: it would end up in the URL.
      if (!/^\d{3,20}:[A-Za-z0-9_-]{20,100}$/.test(token))
        throw new ChannelRejectedError('this is not a bot token (it looks like 123456:ABC-DEF…)', 400);
      try {
        const me = await createTelegramApi(token, apiRoot).getMe();
        return { id: me.id, username: me.username, firstName: me.first_name };
      } catch (error) {
        throw toChannelError(error);
      }
    },
    async sendText(token, chatId, text) {
      const api = createTelegramApi(token, apiRoot);
      try {
        for (const part of splitMessage(text, TELEGRAM_MESSAGE_LIMIT)) await api.sendMessage(chatId, part);
      } catch (error) {
        throw toChannelError(error);
      }
    },
  };
}
