// WhatsApp Cloud API webhooks: Meta's verification handshake, signed deliveries (X-Hub-Signature-256,
// HMAC-SHA256 of the raw body with the app secret). A delivery is stored (the customer message, in
// PostgreSQL) and its answer queued before the 200, so a crash after the 200 loses nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Assistant } from '../../core/assistant/assistant.ts';
import type { SecretBox } from '../../core/crypto/secret-box.ts';
import type { JobQueue } from '../../core/ports/job-queue.ts';
import type { WhatsAppGateway, WhatsAppWebhookReceiver } from '../../core/ports/channel.ts';
import { loadIntegrationSecrets } from '../../core/integrations/integrations-service.ts';
import { unsupportedPhrase } from './whatsapp-phrases.ts';
import { chosenReply } from './interactive-message.ts';

export const WHATSAPP_ANSWER_JOB = 'whatsapp-answer';

interface InboundMessage {
  id: string;
  from: string;
  type: string;
  text?: { body?: string };
  interactive?: unknown;
}

interface DeliveryValue {
  contacts?: { wa_id?: string; profile?: { name?: string } }[];
  messages?: InboundMessage[];
}

export interface WhatsAppWebhook extends WhatsAppWebhookReceiver {
  handleJob(payload: Record<string, string>): Promise<void>;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createWhatsAppWebhook(deps: {
  db: Knex;
  secretBox: SecretBox;
  assistant: Assistant;
  gateway: WhatsAppGateway;
  queue: JobQueue;
  logger: Logger;
}): WhatsAppWebhook {
  const load = (id: string) => loadIntegrationSecrets(deps.db, deps.secretBox, id, 'whatsapp');

  return {
    async verify(integrationId, mode, verifyToken, challenge) {
      const integration = await load(integrationId);
      if (!integration || mode !== 'subscribe' || !verifyToken || !challenge) return undefined;
      return safeEqual(verifyToken, integration.secrets.verify_token ?? '') ? challenge : undefined;
    },

    async accept(integrationId, signature, rawBody, body) {
      const integration = await load(integrationId);
      if (!integration || !signature) return false;
      const expected = `sha256=${createHmac('sha256', integration.secrets.app_secret ?? '')
        .update(rawBody, 'utf8')
        .digest('hex')}`;
      if (!safeEqual(signature, expected)) return false;
      if (integration.status !== 'connected') return true;
      const entries = (body as { entry?: { changes?: { value?: DeliveryValue }[] }[] }).entry ?? [];
      for (const change of entries.flatMap((entry) => entry.changes ?? [])) {
        const value = change.value ?? {};
        // Status callbacks (sent, delivered, read) carry no messages: accepted and ignored.
        for (const message of value.messages ?? []) {
          const name = value.contacts?.find((contact) => contact.wa_id === message.from)?.profile?.name;
          // A reply button or list row the customer chose: its title is what they said, its id the choice.
          const chosen = message.type === 'interactive' ? chosenReply(message.interactive) : undefined;
          const isText = Boolean(chosen) || (message.type === 'text' && Boolean(message.text?.body?.trim()));
          const received = await deps.assistant.receive({
            ownerId: integration.ownerId,
            channel: 'whatsapp',
            chatRef: `${integrationId}:${message.from}`,
            integrationId,
            customer: { name, username: message.from },
            text: chosen ? chosen.title : isText ? message.text!.body! : `[${message.type}]`,
            ...(chosen ? { action: chosen.id } : {}),
            externalId: message.id,
          });
          if (received.kind !== 'stored') continue;
          await deps.queue.enqueue(
            WHATSAPP_ANSWER_JOB,
            {
              integrationId,
              chatId: received.chatId,
              messageId: received.messageId,
              wamid: message.id,
              to: message.from,
              kind: isText ? 'text' : 'unsupported',
            },
            `wa:${message.id}`,
          );
        }
      }
      return true;
    },

    async handleJob(payload) {
      const { integrationId, chatId, messageId, wamid, to, kind } = payload;
      if (!integrationId || !chatId || !messageId || !to) return;
      const integration = await load(integrationId);
      if (integration?.status !== 'connected') return;
      const token = integration.secrets.token ?? '';
      await deps.gateway
        .markRead(integration.externalRef, token, wamid ?? '')
        .catch((error: unknown) => deps.logger.warn({ err: error, integrationId }, 'could not mark read'));
      if (kind === 'unsupported') {
        const owner = await deps
          .db('owners')
          .where({ id: integration.ownerId })
          .first<{ language: string } | undefined>('language');
        await deps.gateway.sendText(integration.externalRef, token, to, unsupportedPhrase(owner?.language));
        return;
      }
      const reply = await deps.assistant.answerIfLatest(integration.ownerId, chatId, messageId);
      if (reply) await deps.gateway.sendText(integration.externalRef, token, to, reply.response, reply.actions);
    },
  };
}
