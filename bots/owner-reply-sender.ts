// Delivers the owner's own messages to customers through the chat's channel. Any process can send:
// it needs the integration's token, not the polling lease.
import type { Knex } from 'knex';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import type { OwnerReplySender, TelegramGateway, WhatsAppGateway } from '../core/ports/channel.ts';
import { loadIntegrationSecrets } from '../core/integrations/integrations-service.ts';
import { telegramChatId } from './telegram/telegram-gateway.ts';
import type { WhatsAppWebRelay } from './whatsapp/whatsapp-web-relay.ts';
import { isWebSession } from '../core/integrations/public-info.ts';
import { ChannelRejectedError } from '../core/errors.ts';

// WhatsApp lets a business write freely only within 24 hours of the customer's last message.
const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

export function createOwnerReplySender({
  db,
  secretBox,
  telegram,
  whatsapp,
  whatsappWeb,
}: {
  db: Knex;
  secretBox: SecretBox;
  telegram: TelegramGateway;
  whatsapp: WhatsAppGateway;
  whatsappWeb: WhatsAppWebRelay;
}): OwnerReplySender {
  return {
    async send(ownerId, chat, text) {
      if (chat.channel === 'test' || chat.channel === 'web') return; // shown in history only
      const customer = chat.external_id.slice(chat.external_id.lastIndexOf(':') + 1);
      if (chat.channel === 'whatsapp' && chat.integration_id) {
        // A WhatsApp Web session sends through its browser, in whichever process runs it (no 24-hour rule there).
        const row = await db('integrations')
          .where({ owner_id: ownerId, id: chat.integration_id })
          .first<{ type: string; public_info: unknown; status: string; status_reason: string | null } | undefined>(
            'type',
            'public_info',
            'status',
            'status_reason',
          );
        if (row && isWebSession(row)) {
          if (row.status !== 'connected')
            throw new ChannelRejectedError(
              `the WhatsApp Web session of this chat is not connected (${row.status_reason ?? row.status}); reconnect it first`,
              409,
            );
          await whatsappWeb.send(chat.integration_id, customer, text);
          return;
        }
      }
      if (chat.channel === 'whatsapp') {
        const integration = chat.integration_id
          ? await loadIntegrationSecrets(db, secretBox, chat.integration_id, 'whatsapp')
          : undefined;
        if (!integration || integration.ownerId !== ownerId)
          throw new ChannelRejectedError('the WhatsApp number of this chat is no longer connected', 409);
        const last = await db('messages')
          .join('chats', 'chats.id', 'messages.chat_id')
          .where({
            'chats.owner_id': ownerId,
            'chats.external_id': chat.external_id,
            'chats.channel': 'whatsapp',
            'messages.sender': 'customer',
          })
          .max<{ at: Date | null }>('messages.created_at as at')
          .first();
        if (!last?.at || Date.now() - new Date(last.at).getTime() > WHATSAPP_WINDOW_MS) {
          throw new ChannelRejectedError(
            "WhatsApp only allows free-form replies within 24 hours of the customer's last message; this customer wrote more than 24 hours ago, so WhatsApp would refuse it (a pre-approved template message is needed)",
            422,
          );
        }
        await whatsapp.sendText(integration.externalRef, integration.secrets.token ?? '', customer, text);
        return;
      }
      if (chat.channel !== 'telegram')
        throw new ChannelRejectedError(`sending on ${chat.channel} is not available yet`, 422);
      const row = chat.integration_id
        ? await db('integrations')
            .where({ owner_id: ownerId, id: chat.integration_id, type: 'telegram' })
            .first<{ secrets_sealed: string | null } | undefined>('secrets_sealed')
        : undefined;
      if (!row?.secrets_sealed)
        throw new ChannelRejectedError('the Telegram bot of this chat is no longer connected', 409);
      const { token } = JSON.parse(secretBox.decrypt(row.secrets_sealed)) as { token: string };
      await telegram.sendText(token, telegramChatId(chat.external_id), text);
    },
  };
}
