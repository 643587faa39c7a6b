// A local fake of the WhatsApp Cloud API (Meta's Graph API) for the calls the product makes:
// GET /{phone-id} (credential check), POST /{phone-id}/messages (send text, mark read).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentWhatsApp {
  to: string;
  body: string;
}

export interface FakeGraph {
  /** Base URL to use as WHATSAPP_GRAPH_URL (no version segment needed). */
  readonly url: string;
  readonly sent: SentWhatsApp[];
  readonly reads: string[];
  waitForSent(predicate: (message: SentWhatsApp) => boolean, timeoutMs?: number): Promise<SentWhatsApp>;
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

export async function startFakeGraph(account: {
  phoneId: string;
  token: string;
  displayPhoneNumber: string;
}): Promise<FakeGraph> {
  const sent: SentWhatsApp[] = [];
  const reads: string[] = [];
  const waiters: { predicate: (message: SentWhatsApp) => boolean; resolve: (message: SentWhatsApp) => void }[] = [];

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${account.token}`) {
      return reply(401, {
        error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 },
      });
    }
    const [phoneId, edge] = url.pathname.split('/').filter(Boolean);
    if (phoneId !== account.phoneId) {
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
      const message = { to: String(body.to), body: String((body.text as { body?: string } | undefined)?.body ?? '') };
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
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
