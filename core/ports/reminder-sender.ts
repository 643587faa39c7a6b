// Delivers a booking reminder (or another message about a booking) into the customer's chat, on the
// channel the booking came from, with the choices it offers (buttons where the channel has them).
import type { ChatAction } from '../conversations/chat-actions.ts';

export interface ReminderSender {
  /** Throws ChannelRejectedError when the channel refuses (the bot is gone, WhatsApp's 24-hour window). */
  send(ownerId: string, to: { channel: string; chatRef: string }, text: string, actions?: ChatAction[]): Promise<void>;
}
