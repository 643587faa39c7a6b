// WhatsApp Cloud API: connect, Meta's verification, signed deliveries, answers, history, owner replies.
import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { trainAndWait, uploadFixture } from '../support/knowledge.ts';
import { startFakeGraph, type FakeGraph } from '../fakes/whatsapp-graph-server.ts';

const PHONE_ID = '106540352242922';
const TOKEN = 'EAAGm0PX4ZCpsBAKfakeWhatsAppToken1234567890';
const APP_SECRET = 'a1b2c3d4e5f6a7b8c9d0';

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
const textMessage = (id: string, text: string) => ({
  from: '79161234567',
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

  before(async () => {
    graph = await startFakeGraph({ phoneId: PHONE_ID, token: TOKEN, displayPhoneNumber: '+7 916 123-45-67' });
    t = await startTestSystem({ env: { WHATSAPP_GRAPH_URL: graph.url, PUBLIC_URL: 'https://frontdesk.example.com' } });
    owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'price-list.xlsx');
    await trainAndWait(t.http, owner.access);
  });
  after(async () => {
    await t.close();
    await graph.close();
  });

  it('refuses credentials Meta rejects, and returns webhook_url and verify_token (never the secrets) for good ones', async () => {
    const bad = await t.http.post('/api/integrations/whatsapp/', {
      token: owner.access,
      body: { phone_id: PHONE_ID, token: 'EAAwrong-token-0000000000', app_secret: APP_SECRET },
    });
    expect(bad.status).to.equal(422);
    expect(JSON.stringify(bad.body)).to.match(/rejected/);
    const incomplete = await t.http.post('/api/integrations/whatsapp/', {
      token: owner.access,
      body: { phone_id: PHONE_ID, token: TOKEN },
    });
    expect(incomplete.status).to.equal(422);
    const good = await t.http.post('/api/integrations/whatsapp/', {
      token: owner.access,
      body: { phone_id: PHONE_ID, token: TOKEN, app_secret: APP_SECRET },
    });
    expect(good.status, good.text).to.equal(201);
    integration = good.body;
    expect(good.body.webhook_url).to.equal(`https://frontdesk.example.com/webhooks/whatsapp/${good.body.id}`);
    expect(good.body.verify_token).to.be.a('string').with.length.above(20);
    expect(good.body).to.include({ type: 'whatsapp', status: 'connected', display_phone_number: '+7 916 123-45-67' });
    expect(good.text).to.not.include(TOKEN).and.not.include(APP_SECRET);
    const list = await t.http.get('/api/integrations', { token: owner.access });
    expect(list.text).to.not.include(TOKEN).and.not.include(APP_SECRET).and.not.include(good.body.verify_token);
    const other = await registerOwner(t.http);
    expect(
      (
        await t.http.post('/api/integrations/whatsapp/', {
          token: other.access,
          body: { phone_id: PHONE_ID, token: TOKEN, app_secret: APP_SECRET },
        })
      ).status,
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
    const started = Date.now();
    const response = await post(delivery([textMessage('wamid.q1', 'Сколько стоит маникюр с покрытием?')]));
    expect(response.status).to.equal(200);
    expect(Date.now() - started).to.be.below(2000);
    const answer = await graph.waitForSent((message) => message.body.includes('1500'));
    expect(answer.to).to.equal('79161234567');
    expect(graph.reads).to.include('wamid.q1');
    // Meta redelivers; a status callback and a voice message must not break anything.
    expect((await post(delivery([textMessage('wamid.q1', 'Сколько стоит маникюр с покрытием?')]))).status).to.equal(
      200,
    );
    const statuses = {
      object: 'whatsapp_business_account',
      entry: [{ changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.out.1', status: 'delivered' }] } }] }],
    };
    expect((await post(statuses)).status).to.equal(200);
    expect(
      (await post(delivery([{ from: '79161234567', id: 'wamid.voice', type: 'audio', audio: { id: 'media1' } }])))
        .status,
    ).to.equal(200);
    await graph.waitForSent((message) => message.body.includes('текстовые сообщения'));
    expect(graph.sent.filter((message) => message.body.includes('1500'))).to.have.length(1);
  });

  it('shows the chat in history as whatsapp, and the owner reply reaches the customer', async () => {
    const chat = (await t.http.get('/api/agent/history/', { token: owner.access })).body.items.find(
      (c: { channel: string }) => c.channel === 'whatsapp',
    );
    expect(chat).to.include({ customer_name: 'Мария', channel: 'whatsapp' });
    const reply = await t.http.post(`/api/agent/history/${chat.id}/messages`, {
      token: owner.access,
      body: { text: 'Здравствуйте, Мария! Ждём вас.' },
    });
    expect(reply.status).to.equal(201);
    await graph.waitForSent((message) => message.body === 'Здравствуйте, Мария! Ждём вас.');
  });

  it("refuses an owner reply outside WhatsApp's 24-hour window, explaining why", async () => {
    const chat = (await t.http.get('/api/agent/history/', { token: owner.access })).body.items.find(
      (c: { channel: string }) => c.channel === 'whatsapp',
    );
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
});
