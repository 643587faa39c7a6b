// A local fake of the WhatsApp Cloud API (Meta's Graph API) for the calls the product makes:
// GET /{phone-id} (credential check), POST /{phone-id}/messages (send text, mark read).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentWhatsApp {
  /** The business number (phone number id) it was sent from. */
  phoneId: string;
  to: string;
  body: string;
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
      const message = {
        phoneId: account.phoneId,
        to: String(body.to),
        body: String((body.text as { body?: string } | undefined)?.body ?? ''),
      };
      sent.push(message);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
      return reply(200, { messaging_product: 'whatsapp', messages: [{ id: `wamid.out.${sent.length}` }] });
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
