// WhatsApp Cloud API: connect, Meta's verification, signed deliveries, answers, history, owner replies.
import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { trainAndWait, uploadFixture } from '../support/knowledge.ts';
import { startFakeGraph, type FakeGraph } from '../fakes/whatsapp-graph-server.ts';
import { eventually } from '../support/eventually.ts';
import { lastUserText, startFakeOpenAI } from '../fakes/openai-server.ts';
import { phrasesIn } from '../../core/assistant/phrases.ts';

const PHONE_ID = '106540352242922';
const TOKEN = 'EAAGm0PX4ZCpsBAKfakeWhatsAppToken1234567890';
const APP_SECRET = 'a1b2c3d4e5f6a7b8c9d0';

// Each test writes as a customer of its own, so no test depends on what another one left.
let nextCustomer = 79_160_000_001;
function newCustomer(name: string): { number: string; name: string } {
  return { number: String(nextCustomer++), name };
}

function delivery(messages: unknown[], contacts: unknown[] = [{ wa_id: '79161234567', profile: { name: 'Мария' } }]) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { phone_number_id: PHONE_ID }, contacts, messages },
          },
        ],
      },
    ],
  };
}
const textMessage = (id: string, text: string, from = '79161234567') => ({
  from,
  id,
  timestamp: String(Math.floor(Date.now() / 1000)),
  type: 'text',
  text: { body: text },
});

describe('bots/whatsapp: WhatsApp Cloud API', function () {
  this.timeout(60_000);
  let graph: FakeGraph;
  let t: TestSystem;
  let owner: RegisteredOwner;
  let integration: { id: string; webhook_url: string; verify_token: string };

  const post = (body: unknown, secret = APP_SECRET) => {
    const raw = JSON.stringify(body);
    const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    return t.http.post(`/webhooks/whatsapp/${integration.id}`, {
      raw,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    });
  };
  const says = (customer: { number: string; name: string }, id: string, text: string) =>
    post(
      delivery(
        [textMessage(id, text, customer.number)],
        [{ wa_id: customer.number, profile: { name: customer.name } }],
      ),
    );
  /** The customer's chat in the owner's history, once it is there. */
  const chatOf = (customer: { name: string }) =>
    eventually(
      async () =>
        (await t.http.get('/api/agent/history/?page_size=100', { token: owner.access })).body.items.find(
          (c: { customer_name: string }) => c.customer_name === customer.name,
        ),
      5000,
      `the chat of ${customer.name}`,
    );

  before(async () => {
    graph = await startFakeGraph({ phoneId: PHONE_ID, token: TOKEN, displayPhoneNumber: '+7 916 123-45-67' });
    t = await startTestSystem({ env: { WHATSAPP_GRAPH_URL: graph.url, PUBLIC_URL: 'https://frontdesk.example.com' } });
    owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'price-list.xlsx');
    await trainAndWait(t.http, owner.access);
    const connected = await t.http.post('/api/integrations/whatsapp/', {
      token: owner.access,
      body: { phone_id: PHONE_ID, token: TOKEN, app_secret: APP_SECRET },
    });
    expect(connected.status, connected.text).to.equal(201);
    integration = connected.body;
  });
  after(async () => {
    await t.close();
    await graph.close();
  });

  it('refuses credentials Meta rejects, and returns webhook_url and verify_token (never the secrets) for good ones', async () => {
    const phoneId = '106540352240001';
    const token = 'EAAGm0PX4ZCpsBAKsecondNumberToken123456';
    graph.addAccount({ phoneId, token, displayPhoneNumber: '+7 916 000-00-01' });
    const someone = await registerOwner(t.http);
    const bad = await t.http.post('/api/integrations/whatsapp/', {
      token: someone.access,
      body: { phone_id: phoneId, token: 'EAAwrong-token-0000000000', app_secret: APP_SECRET },
    });
    expect(bad.status).to.equal(422);
    expect(JSON.stringify(bad.body)).to.match(/rejected/);
    const incomplete = await t.http.post('/api/integrations/whatsapp/', {
      token: someone.access,
      body: { phone_id: phoneId, token },
    });
    expect(incomplete.status).to.equal(422);
    expect((await t.http.get('/api/integrations', { token: someone.access })).body, 'nothing saved').to.deep.equal([]);
    const good = await t.http.post('/api/integrations/whatsapp/', {
      token: someone.access,
      body: { phone_id: phoneId, token, app_secret: APP_SECRET },
    });
    expect(good.status, good.text).to.equal(201);
    expect(good.body.webhook_url).to.equal(`https://frontdesk.example.com/webhooks/whatsapp/${good.body.id}`);
    expect(good.body.verify_token).to.be.a('string').with.length.above(20);
    expect(good.body).to.include({ type: 'whatsapp', status: 'connected', display_phone_number: '+7 916 000-00-01' });
    expect(good.text).to.not.include(token).and.not.include(APP_SECRET);
    const list = await t.http.get('/api/integrations', { token: someone.access });
    expect(list.text).to.not.include(token).and.not.include(APP_SECRET).and.not.include(good.body.verify_token);
    const other = await registerOwner(t.http);
    for (const [phone, its] of [
      [phoneId, token],
      [PHONE_ID, TOKEN],
    ])
      expect(
        (
          await t.http.post('/api/integrations/whatsapp/', {
            token: other.access,
            body: { phone_id: phone, token: its, app_secret: APP_SECRET },
          })
        ).status,
        `another owner connecting ${phone}`,
      ).to.equal(409);
  });

  it('has no QR code to show (409 saying so)', async () => {
    const qr = await t.http.get(`/api/integrations/${integration.id}/qr`, { token: owner.access });
    expect(qr.status).to.equal(409);
    expect(qr.body.detail).to.match(/Only WhatsApp Web sessions have a QR code/);
  });

  it("answers Meta's verification handshake, and 403 for a wrong verify token", async () => {
    const path = `/webhooks/whatsapp/${integration.id}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=`;
    const ok = await t.http.get(path + encodeURIComponent(integration.verify_token));
    expect(ok.status).to.equal(200);
    expect(ok.text).to.equal('1158201444');
    expect((await t.http.get(`${path}wrong`)).status).to.equal(403);
  });

  it('refuses a forged signature and processes nothing', async () => {
    const forged = await post(
      delivery([textMessage('wamid.forged', 'Сколько стоит маникюр с покрытием?')]),
      'not-the-app-secret',
    );
    expect(forged.status).to.equal(401);
    const stored = await t.system.db
      .knex('messages')
      .where({ owner_id: owner.id, external_id: 'wamid.forged' })
      .first();
    expect(stored).to.equal(undefined);
  });

  it('acknowledges a signed question at once and answers it with the price from the spreadsheet, once, and marks it read', async () => {
    const maria = newCustomer('Мария');
    const started = Date.now();
    const response = await says(maria, 'wamid.q1', 'Сколько стоит маникюр с покрытием?');
    expect(response.status).to.equal(200);
    expect(Date.now() - started).to.be.below(2000);
    const answer = await graph.waitForSent((message) => message.to === maria.number && message.body.includes('1500'));
    expect(answer.phoneId).to.equal(PHONE_ID);
    expect(graph.reads).to.include('wamid.q1');
    // Meta redelivers; a status callback and a voice message must not break anything.
    expect((await says(maria, 'wamid.q1', 'Сколько стоит маникюр с покрытием?')).status).to.equal(200);
    const statuses = {
      object: 'whatsapp_business_account',
      entry: [{ changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.out.1', status: 'delivered' }] } }] }],
    };
    expect((await post(statuses)).status).to.equal(200);
    expect(
      (await post(delivery([{ from: maria.number, id: 'wamid.voice', type: 'audio', audio: { id: 'media1' } }])))
        .status,
    ).to.equal(200);
    await graph.waitForSent((message) => message.to === maria.number && message.body.includes('текстовые сообщения'));
    expect(graph.sent.filter((message) => message.to === maria.number && message.body.includes('1500'))).to.have.length(
      1,
    );
  });

  it('answers a message holding a NUL byte, stored without it', async () => {
    const nul = newCustomer('Нуль');
    expect((await says(nul, 'wamid.nul', 'Сколько стоит\u0000 маникюр с покрытием?')).status).to.equal(200);
    await graph.waitForSent((message) => message.to === nul.number && message.body.includes('1500'));
    const chat = await chatOf(nul);
    const detail = await t.http.get(`/api/agent/history/${chat.id}`, { token: owner.access });
    expect(detail.body.messages[0].text).to.equal('Сколько стоит маникюр с покрытием?');
  });

  it('shows the chat in history as whatsapp, and the owner reply reaches the customer', async () => {
    const anna = newCustomer('Анна');
    await says(anna, 'wamid.history', 'Сколько стоит педикюр?');
    await graph.waitForSent((message) => message.to === anna.number);
    const chat = await chatOf(anna);
    expect(chat).to.include({ customer_name: 'Анна', channel: 'whatsapp' });
    const reply = await t.http.post(`/api/agent/history/${chat.id}/messages`, {
      token: owner.access,
      body: { text: 'Здравствуйте, Анна! Ждём вас.' },
    });
    expect(reply.status).to.equal(201);
    await graph.waitForSent(
      (message) => message.to === anna.number && message.body === 'Здравствуйте, Анна! Ждём вас.',
    );
  });

  it("refuses an owner reply outside WhatsApp's 24-hour window, explaining why", async () => {
    const late = newCustomer('Ольга');
    await says(late, 'wamid.late', 'Сколько стоит педикюр?');
    await graph.waitForSent((message) => message.to === late.number);
    const chat = await chatOf(late);
    await t.system.db
      .knex('messages')
      .where({ chat_id: chat.id, sender: 'customer' })
      .update({ created_at: new Date(Date.now() - 25 * 3600_000) });
    const reply = await t.http.post(`/api/agent/history/${chat.id}/messages`, {
      token: owner.access,
      body: { text: 'Вы ещё тут?' },
    });
    expect(reply.status).to.equal(422);
    expect(reply.body.detail).to.match(/24 hours/);
  });

  it('tests the integration with Meta and names Meta when it no longer accepts the token (not Telegram)', async () => {
    const phoneId = '106540352240002';
    const token = 'EAAGm0PX4ZCpsBAKthirdNumberToken1234567';
    graph.addAccount({ phoneId, token, displayPhoneNumber: '+7 916 000-00-02' });
    const someone = await registerOwner(t.http);
    const { body: connected } = await t.http.post('/api/integrations/whatsapp/', {
      token: someone.access,
      body: { phone_id: phoneId, token, app_secret: APP_SECRET },
    });
    const fine = await t.http.post(`/api/integrations/${connected.id}/test`, { token: someone.access });
    expect(fine.body).to.include({ ok: true, detail: 'WhatsApp answers for +7 916 000-00-02' });
    graph.revokeToken(phoneId);
    const refused = await t.http.post(`/api/integrations/${connected.id}/test`, { token: someone.access });
    expect(refused.status).to.equal(200);
    expect(refused.body.ok).to.equal(false);
    expect(refused.body.detail).to.match(/^WhatsApp \(Meta\) rejected the credentials: Invalid OAuth access token/);
    expect(refused.body.detail).to.not.match(/Telegram/);
    expect(refused.body.integration).to.include({ status: 'error', status_reason: refused.body.detail });
  });
});

describe('bots/whatsapp: the webhook address without PUBLIC_URL', function () {
  this.timeout(60_000);
  let graph: FakeGraph;
  let t: TestSystem;

  before(async () => {
    graph = await startFakeGraph({ phoneId: PHONE_ID, token: TOKEN, displayPhoneNumber: '+7 916 123-45-67' });
    t = await startTestSystem({ env: { WHATSAPP_GRAPH_URL: graph.url, TRUST_PROXY: 'true' } });
  });
  after(async () => {
    await t.close();
    await graph.close();
  });

  let nextPhoneId = 106_540_352_250_001;
  /** A new number on the fake, connected by a new owner with the given request headers. */
  async function connectWith(headers: Record<string, string>) {
    const phoneId = String(nextPhoneId++);
    const token = `EAAGm0PX4ZCpsBAK${phoneId}abcdef`;
    graph.addAccount({ phoneId, token, displayPhoneNumber: `+7 ${phoneId}` });
    const someone = await registerOwner(t.http);
    const response = await t.http.post('/api/integrations/whatsapp/', {
      token: someone.access,
      body: { phone_id: phoneId, token, app_secret: APP_SECRET },
      headers,
    });
    return { response, someone };
  }

  it('builds the webhook URL from the request itself when no Origin is sent (curl, a server-side client)', async () => {
    const { response } = await connectWith({});
    expect(response.status, response.text).to.equal(201);
    expect(response.body.webhook_url).to.equal(`${t.url}/webhooks/whatsapp/${response.body.id}`);
  });

  it("never takes a browser's Origin for it: the webhook URL names this server, not the page's host", async () => {
    const { response } = await connectWith({ origin: 'https://console.other-host.example' });
    expect(response.status, response.text).to.equal(201);
    expect(response.body.webhook_url).to.equal(`${t.url}/webhooks/whatsapp/${response.body.id}`);
    expect(response.body.webhook_url).to.not.include('other-host');
  });

  it("behind a trusted proxy, takes the proxy's X-Forwarded-Proto and X-Forwarded-Host", async () => {
    const { response } = await connectWith({
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.salon.example',
    });
    expect(response.status, response.text).to.equal(201);
    expect(response.body.webhook_url).to.equal(`https://api.salon.example/webhooks/whatsapp/${response.body.id}`);
  });
});

describe('bots/whatsapp: over the model call limit', function () {
  this.timeout(60_000);

  it('a customer over the limit hears "one moment" instead of silence, and is answered once when a place is free', async () => {
    const graph = await startFakeGraph({ phoneId: PHONE_ID, token: TOKEN, displayPhoneNumber: '+7 916 123-45-67' });
    const model = await startFakeOpenAI({ apiKey: 'k' });
    const t = await startTestSystem({
      env: { WHATSAPP_GRAPH_URL: graph.url, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: model.url, MODEL_CONCURRENCY: '1' },
    });
    let release: () => void = () => {};
    try {
      const owner = await registerOwner(t.http);
      const phoneId = '106540352260001';
      const token = 'EAAGm0PX4ZCpsBAKlimitedNumberToken12345';
      graph.addAccount({ phoneId, token, displayPhoneNumber: '+7 916 000-00-09' });
      const { body: integration } = await t.http.post('/api/integrations/whatsapp/', {
        token: owner.access,
        body: { phone_id: phoneId, token, app_secret: APP_SECRET },
      });
      const says = (from: string, id: string, text: string) => {
        const raw = JSON.stringify(
          delivery([textMessage(id, text, from)], [{ wa_id: from, profile: { name: `Customer ${from}` } }]),
        );
        return t.http.post(`/webhooks/whatsapp/${integration.id}`, {
          raw,
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`,
          },
        });
      };
      const gate = new Promise<void>((resolve) => (release = resolve));
      model.reply(async (body) => {
        const question = lastUserText(body);
        if (question.includes('первый')) await gate;
        return { text: `Ответ на вопрос: ${question}` };
      });
      // The owner's one place is taken by a question in the test chat, held at the model.
      const held = t.http.post('/api/agent/test/', {
        token: owner.access,
        body: { message: 'Это мой первый вопрос про маникюр' },
      });
      await model.waitFor((request) => JSON.stringify(request.body).includes('первый'), 10_000);
      await says('79170000002', 'wamid.limit.2', 'А это второй вопрос про педикюр');
      const wait = await graph.waitForSent((message) => message.to === '79170000002', 10_000);
      expect(wait.body).to.equal(phrasesIn('ru').oneMoment);
      release();
      expect((await held).status).to.equal(200);
      const answer = await graph.waitForSent(
        (message) => message.to === '79170000002' && message.body.startsWith('Ответ'),
        20_000,
      );
      expect(answer.body).to.equal('Ответ на вопрос: А это второй вопрос про педикюр');
      expect(graph.sent.filter((message) => message.to === '79170000002').map((message) => message.body)).to.deep.equal(
        [phrasesIn('ru').oneMoment, answer.body],
      );
    } finally {
      release();
      await t.close();
      await model.close();
      await graph.close();
    }
  });
});
