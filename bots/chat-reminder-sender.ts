// Sends booking reminders into the customer's chat the way the owner's own replies go out
// (owner-reply-sender.ts: the chat's bot or WhatsApp number, WhatsApp's 24-hour rule included).
import type { Knex } from 'knex';
import { ChannelRejectedError, type OwnerReplySender } from '../core/ports/channel.ts';
import type { ReminderSender } from '../core/ports/reminder-sender.ts';

export function createChatReminderSender({ db, sender }: { db: Knex; sender: OwnerReplySender }): ReminderSender {
  return {
    async send(ownerId, to, text) {
      const chat = await db('chats')
        .where({ owner_id: ownerId, channel: to.channel, external_id: to.chatRef })
        .first<{ channel: string; external_id: string; integration_id: string | null } | undefined>(
          'channel',
          'external_id',
          'integration_id',
        );
      if (!chat) throw new ChannelRejectedError('the chat of this booking no longer exists', 404);
      await sender.send(ownerId, chat, text);
    },
  };
}
