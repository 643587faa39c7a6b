// What the core needs from a messaging channel, whichever it is (Telegram, WhatsApp).

/** Validates a Telegram bot token against the Bot API; implemented with grammY in bots/telegram. */
export interface TelegramGateway {
  /** The bot behind a token, or a TelegramRejected error saying why Telegram refused it. */
  getMe(token: string): Promise<{ id: number; username: string; firstName: string }>;
  sendText(token: string, chatId: string, text: string): Promise<void>;
}

/** What the gateways throw when a channel refuses a request, defined with the other domain errors. */
export { ChannelRejectedError } from '../errors.ts';

/** Sends the owner's own message to a customer through the chat's channel. */
export interface OwnerReplySender {
  send(
    ownerId: string,
    chat: { channel: string; external_id: string; integration_id: string | null },
    text: string,
  ): Promise<void>;
}

/** Takes a channel's webhook call: true when its secret matched and the update was queued. */
export interface WebhookReceiver {
  accept(integrationId: string, secret: string | undefined, update: unknown): Promise<boolean>;
}

/** The WhatsApp Cloud API calls the product needs; implemented over HTTP in bots/whatsapp. */
export interface WhatsAppGateway {
  /** The phone number behind a phone number id, or ChannelRejectedError when Meta refuses the token. */
  getPhone(phoneId: string, token: string): Promise<{ displayPhoneNumber: string }>;
  sendText(phoneId: string, token: string, to: string, text: string): Promise<void>;
  markRead(phoneId: string, token: string, messageId: string): Promise<void>;
}

/** Meta's webhook calls for a WhatsApp Cloud API number. */
export interface WhatsAppWebhookReceiver {
  /** The GET handshake: the challenge when the verify token matches, undefined otherwise. */
  verify(
    integrationId: string,
    mode: string | undefined,
    verifyToken: string | undefined,
    challenge: string | undefined,
  ): Promise<string | undefined>;
  /** False when the signature is wrong (nothing is stored); true once every message is stored and queued. */
  accept(integrationId: string, signature: string | undefined, rawBody: string, body: unknown): Promise<boolean>;
}
