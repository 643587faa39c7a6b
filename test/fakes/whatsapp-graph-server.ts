// A local fake of the WhatsApp Cloud API (Meta's Graph API) for the calls the product makes:
// GET /{phone-id} (credential check), POST /{phone-id}/messages (send text or an interactive message,
// mark read), and the webhook Meta delivers when a customer taps an interactive message's choice.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readInteractive, replyWebhook, type SentInteractive } from './whatsapp-interactive.ts';

export interface SentWhatsApp {
  /** The business number (phone number id) it was sent from. */
  phoneId: string;
  to: string;
  /** The text, or an interactive message's body. */
  body: string;
  /** The message id Meta returned (wamid). */
  id?: string;
  interactive?: SentInteractive;
}

export interface GraphAccount {
  phoneId: string;
  token: string;
  displayPhoneNumber: string;
}

export interface FakeGraph {
  /** Base URL to use as WHATSAPP_GRAPH_URL (no version segment needed). */
  readonly url: string;
  readonly sent: SentWhatsApp[];
  readonly reads: string[];
  waitForSent(predicate: (message: SentWhatsApp) => boolean, timeoutMs?: number): Promise<SentWhatsApp>;
  /** The customer taps a choice of an interactive message: Meta's webhook, signed, posted to the app. Returns its status. */
  deliverChoice(options: {
    webhookUrl: string;
    appSecret: string;
    message: SentWhatsApp;
    choiceId: string;
    name?: string;
  }): Promise<number>;
  /** Another business number with its own token. */
  addAccount(account: GraphAccount): void;
  /** Meta stops accepting this number's token (revoked in the dashboard). */
  revokeToken(phoneId: string): void;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function startFakeGraph(first: GraphAccount): Promise<FakeGraph> {
  const accounts = new Map<string, GraphAccount>([[first.phoneId, { ...first }]]);
  const sent: SentWhatsApp[] = [];
  const reads: string[] = [];
  let inbound = 0;
  const waiters: { predicate: (message: SentWhatsApp) => boolean; resolve: (message: SentWhatsApp) => void }[] = [];

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const [phoneId, edge] = url.pathname.split('/').filter(Boolean);
    const tokens = [...accounts.values()].map((account) => `Bearer ${account.token}`);
    if (!tokens.includes(request.headers.authorization ?? '')) {
      return reply(401, {
        error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 },
      });
    }
    const account = accounts.get(phoneId ?? '');
    if (!account || request.headers.authorization !== `Bearer ${account.token}`) {
      return reply(400, {
        error: {
          message: `Unsupported request. Object with ID '${phoneId}' does not exist`,
          type: 'GraphMethodException',
          code: 100,
        },
      });
    }
    if (request.method === 'GET' && !edge)
      return reply(200, { id: phoneId, display_phone_number: account.displayPhoneNumber, verified_name: 'Lotus' });
    if (request.method === 'POST' && edge === 'messages') {
      const body = await readJson(request);
      if (body.status === 'read') {
        reads.push(String(body.message_id));
        return reply(200, { success: true });
      }
      const interactive = body.type === 'interactive' ? readInteractive(body.interactive) : undefined;
      if (interactive && 'error' in interactive)
        return reply(400, {
          error: {
            message: '(#131009) Parameter value is not valid',
            type: 'OAuthException',
            code: 131009,
            error_data: { messaging_product: 'whatsapp', details: interactive.error },
          },
        });
      const message: SentWhatsApp = interactive
        ? { phoneId: account.phoneId, to: String(body.to), body: interactive.body, interactive }
        : {
            phoneId: account.phoneId,
            to: String(body.to),
            body: String((body.text as { body?: string } | undefined)?.body ?? ''),
          };
      message.id = `wamid.out.${sent.length + 1}`;
      sent.push(message);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
      return reply(200, { messaging_product: 'whatsapp', messages: [{ id: message.id }] });
    }
    return reply(404, { error: { message: 'Unknown path', code: 100 } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sent,
    reads,
    waitForSent(predicate, timeoutMs = 5000) {
      const seen = sent.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching WhatsApp message within ${timeoutMs} ms; sent: ${JSON.stringify(sent)}`)),
          timeoutMs,
        );
        waiters.push({ predicate, resolve: (message) => (clearTimeout(timer), resolve(message)) });
      });
    },
    async deliverChoice({ webhookUrl, appSecret, message, choiceId, name }) {
      if (!message.interactive || !message.id) throw new Error('fake WhatsApp: that message has no choices');
      const raw = JSON.stringify(
        replyWebhook({
          phoneId: message.phoneId,
          from: message.to,
          name,
          wamid: `wamid.in.${++inbound}`,
          context: message.id,
          sent: message.interactive,
          choiceId,
        }),
      );
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`,
        },
        body: raw,
      });
      await response.arrayBuffer();
      return response.status;
    },
    addAccount(account) {
      accounts.set(account.phoneId, { ...account });
    },
    revokeToken(phoneId) {
      const account = accounts.get(phoneId);
      if (account) account.token = `revoked-${account.token}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
