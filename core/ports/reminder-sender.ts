// Delivers a booking reminder into the customer's chat, on the channel the booking came from.

export interface ReminderSender {
  /** Throws ChannelRejectedError when the channel refuses (the bot is gone, WhatsApp's 24-hour window). */
  send(ownerId: string, to: { channel: string; chatRef: string }, text: string): Promise<void>;
}
