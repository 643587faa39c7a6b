// WhatsApp Cloud API over HTTP (Meta's Graph API): check a phone number id, send text, mark read.
import type { WhatsAppGateway } from '../../core/ports/channel.ts';
import { splitMessage } from '../../core/assistant/split-message.ts';
import { ChannelRejectedError } from '../../core/errors.ts';

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com/v21.0';
const WHATSAPP_TEXT_LIMIT = 4096;
const TIMEOUT_MS = 15_000;

async function graph(
  baseUrl: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error('WhatsApp (Graph API) could not be reached', {
      cause: { message: error instanceof Error ? error.message : String(error) },
    });
  }
  // A refusal without a JSON body (a proxy's HTML page) still has its status, which the error carries.
  const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string; code?: number } };
  if (response.ok) return payload;
  const reason = payload.error?.message ?? `HTTP ${response.status}`;
  if (response.status >= 500 || response.status === 429)
    throw new Error(`WhatsApp answered ${response.status}: ${reason}`);
  throw new ChannelRejectedError(reason, response.status);
}

export function createWhatsAppCloudGateway(baseUrl = DEFAULT_GRAPH_URL): WhatsAppGateway {
  const root = baseUrl.replace(/\/+$/, '');
  return {
    async getPhone(phoneId, token) {
      if (!/^\d{5,30}$/.test(phoneId))
        throw new ChannelRejectedError(
          "the phone number id is the number shown in Meta's dashboard (digits only)",
          400,
        );
      const result = (await graph(root, token, 'GET', `${phoneId}?fields=display_phone_number,verified_name`)) as {
        display_phone_number?: string;
      };
      return { displayPhoneNumber: result.display_phone_number ?? '' };
    },
    async sendText(phoneId, token, to, text) {
      for (const part of splitMessage(text, WHATSAPP_TEXT_LIMIT)) {
        await graph(root, token, 'POST', `${phoneId}/messages`, {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to,
          type: 'text',
          text: { body: part },
        });
      }
    },
    async markRead(phoneId, token, messageId) {
      await graph(root, token, 'POST', `${phoneId}/messages`, {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
      });
    },
  };
}
