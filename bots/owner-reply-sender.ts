// Delivers the owner's own messages to customers through the chat's channel. Any process can send:
// it needs the integration's token, not the polling lease.
import type { Knex } from 'knex';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import { ChannelRejectedError, type OwnerReplySender, type TelegramGateway } from '../core/ports/channel.ts';
import { telegramChatId } from './telegram/telegram-gateway.ts';

export function createOwnerReplySender({ db, secretBox, telegram }: { db: Knex; secretBox: SecretBox; telegram: TelegramGateway }): OwnerReplySender {
  return {
    async send(ownerId, chat, text) {
      if (chat.channel === 'test' || chat.channel === 'web') return; // shown in history only
      if (chat.channel !== 'telegram') throw new ChannelRejectedError(`sending on ${chat.channel} is not available yet`, 422);
      const row = chat.integration_id
        ? await db('integrations').where({ owner_id: ownerId, id: chat.integration_id, type: 'telegram' }).first<{ secrets_sealed: string | null } | undefined>('secrets_sealed')
        : undefined;
      if (!row?.secrets_sealed) throw new ChannelRejectedError('the Telegram bot of this chat is no longer connected', 409);
      const { token } = JSON.parse(secretBox.decrypt(row.secrets_sealed)) as { token: string };
      await telegram.sendText(token, telegramChatId(chat.external_id), text);
    },
  };
}
