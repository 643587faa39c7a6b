// What the core needs from a messaging channel, whichever it is (Telegram, WhatsApp).

/** Validates a Telegram bot token against the Bot API; implemented with grammY in bots/telegram. */
export interface TelegramGateway {
  /** The bot behind a token, or a TelegramRejected error saying why Telegram refused it. */
  getMe(token: string): Promise<{ id: number; username: string; firstName: string }>;
  sendText(token: string, chatId: string, text: string): Promise<void>;
}

/** Telegram (or another channel) refused the request: a bad token, a blocked bot, a bad chat. */
export class ChannelRejectedError extends Error {
  override name = 'ChannelRejectedError';
  constructor(message: string, readonly status: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Sends the owner's own message to a customer through the chat's channel. */
export interface OwnerReplySender {
  send(ownerId: string, chat: { channel: string; external_id: string; integration_id: string | null }, text: string): Promise<void>;
}

/** Takes a channel's webhook call: true when its secret matched and the update was queued. */
export interface WebhookReceiver {
  accept(integrationId: string, secret: string | undefined, update: unknown): Promise<boolean>;
}
