// Booking in WhatsApp: the Cloud API with interactive reply buttons and lists (the fake Graph API checks
// them against Meta's limits and delivers the customer's taps as `interactive` webhooks), and WhatsApp
// Web with numbered options answered by number.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { createService, setUpBusiness } from '../support/booking.ts';
import { eventually } from '../support/eventually.ts';
import { startFakeGraph, type FakeGraph, type SentWhatsApp } from '../fakes/whatsapp-graph-server.ts';
import { fakeWebClients, type FakeWebClients } from '../fakes/whatsapp-web-client.ts';
import { createHmac } from 'node:crypto';

const NOW = new Date('2026-12-07T07:00:00Z');
const PHONE_ID = '106540352242999';
const TOKEN = 'EAAGm0PX4ZCpsBAKfakeWhatsAppTokenBooking1';
const APP_SECRET = 'b1b2c3d4e5f6a7b8c9d0';
const CUSTOMER = '79161234567';

async function salon(t: TestSystem): Promise<RegisteredOwner> {
  const owner = await registerOwner(t.http, { salon_name: 'Лотос' });
  await setUpBusiness(t.http, owner.access);
  await createService(t.http, owner.access, { name: 'Стрижка', duration_minutes: 60 });
  await createService(t.http, owner.access, { name: 'Маникюр', duration_minutes: 45 });
  return owner;
}

describe('bots/whatsapp: booking with interactive messages (Cloud API)', function () {
  this.timeout(60_000);
  let graph: FakeGraph;
  let t: TestSystem;
  let owner: RegisteredOwner;
  let webhookUrl: string;

  before(async () => {
    graph = await startFakeGraph({ phoneId: PHONE_ID, token: TOKEN, displayPhoneNumber: '+7 916 000-00-00' });
    t = await startTestSystem({
      now: () => NOW,
      env: { WHATSAPP_GRAPH_URL: graph.url, PUBLIC_URL: 'https://frontdesk.example.com' },
    });
    owner = await salon(t);
    const connected = await t.http.post('/api/integrations/whatsapp/', {
      token: owner.access,
      body: { phone_id: PHONE_ID, token: TOKEN, app_secret: APP_SECRET },
    });
    expect(connected.status, connected.text).to.equal(201);
    webhookUrl = `${t.url}/webhooks/whatsapp/${connected.body.id}`;
  });
  after(async () => {
    await t.close();
    await graph.close();
  });

  let seen = 0;
  /** The next message the business sends the customer. */
  const next = async (): Promise<SentWhatsApp> => {
    const index = seen++;
    await eventually(async () => graph.sent.filter((m) => m.to === CUSTOMER).length > index, 10_000, 'a message');
    return graph.sent.filter((message) => message.to === CUSTOMER)[index]!;
  };
  const titles = (message: SentWhatsApp) => message.interactive?.choices.map((choice) => choice.title) ?? [];
  const tap = async (message: SentWhatsApp, title: string): Promise<SentWhatsApp> => {
    const choice = message.interactive?.choices.find((candidate) => candidate.title === title);
    expect(choice, `no choice "${title}" in ${JSON.stringify(titles(message))}`).to.exist;
    const status = await graph.deliverChoice({
      webhookUrl,
      appSecret: APP_SECRET,
      message,
      choiceId: choice!.id,
      name: 'Мария',
    });
    expect(status).to.equal(200);
    return next();
  };

  it('books by reply buttons and lists, with the name and number WhatsApp gives', async () => {
    const raw = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { phone_number_id: PHONE_ID },
                contacts: [{ wa_id: CUSTOMER, profile: { name: 'Мария' } }],
                messages: [
                  {
                    from: CUSTOMER,
                    id: 'wamid.book.1',
                    timestamp: '1',
                    type: 'text',
                    text: { body: 'Хочу записаться' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
    const posted = await t.http.post(new URL(webhookUrl).pathname, {
      raw,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    });
    expect(posted.status).to.equal(200);
    let message = await next();
    expect(message.body).to.equal('На какую услугу вас записать?');
    expect(message.interactive?.type).to.equal('button');
    expect(titles(message)).to.deep.equal(['Стрижка', 'Маникюр', 'Стоп']);
    message = await tap(message, 'Маникюр');
    expect(message.body).to.equal('Маникюр: какой день вам удобен?');
    expect(message.interactive?.type).to.equal('list');
    expect(message.interactive?.button).to.equal('Выбрать');
    message = await tap(message, 'ср, 9 дек.');
    expect(message.interactive?.type).to.equal('list');
    expect(titles(message)).to.have.length(10);
    message = await tap(message, '11:00');
    // Name and number come from WhatsApp: straight to the confirmation.
    expect(message.body).to.equal('Проверьте, пожалуйста: Маникюр, среда, 9 декабря в 11:00. Записать?');
    expect(titles(message)).to.deep.equal(['Подтвердить', 'Другое время', 'Стоп']);
    message = await tap(message, 'Подтвердить');
    expect(message.body).to.equal('Вы записаны: Маникюр, среда, 9 декабря в 11:00.');
    expect(titles(message)).to.deep.equal(['Перенести', 'Отменить']);
    const listed = await t.http.get('/api/bookings?from=2026-12-09&to=2026-12-09', { token: owner.access });
    expect(listed.body[0]).to.include({ customer_name: 'Мария', customer_phone: `+${CUSTOMER}`, channel: 'whatsapp' });
  });
});

describe('bots/whatsapp: booking by numbered options (WhatsApp Web)', function () {
  this.timeout(60_000);
  let fakes: FakeWebClients;
  let t: TestSystem;

  before(async () => {
    fakes = fakeWebClients();
    t = await startTestSystem({ now: () => NOW, whatsappWebClientFactory: fakes.factory });
  });
  after(async () => {
    await t.system.db
      .knex('integrations')
      .where({ type: 'whatsapp' })
      .whereIn('status', ['pending', 'pending_qr', 'connected'])
      .update({ status: 'stopped' });
    await t.close();
  });

  it('shows the choices as numbered lines and takes the number as the answer', async () => {
    const owner = await salon(t);
    const created = await t.http.post('/api/integrations/whatsapp/', { token: owner.access, body: { mode: 'web' } });
    expect(created.status, created.text).to.equal(201);
    const client = await fakes.next(created.body.id);
    const status = async () =>
      (await t.http.get('/api/integrations', { token: owner.access })).body.find(
        (item: { id: string; status: string }) => item.id === created.body.id,
      )?.status;
    // The session shows its QR code once it listens to the client; then the phone "scans" it.
    await eventually(async () => (await status()) === 'pending_qr', 10_000, 'the QR code');
    client.becomeReady('79160000099');
    await eventually(async () => (await status()) === 'connected', 10_000, 'the session connected');
    const from = '79165550000@c.us';
    client.customerWrites(from, 'записаться');
    let sent = await client.waitForSent(1);
    expect(sent[0]!.text).to.equal(
      'На какую услугу вас записать?\n\n1. Стрижка\n2. Маникюр\n3. Стоп\n\nОтветьте номером варианта.',
    );
    client.customerWrites(from, '1');
    sent = await client.waitForSent(2);
    expect(sent[1]!.text).to.match(/^Стрижка: какой день вам удобен\?\n\n1\. пн, 7 дек\.\n2\. вт, 8 дек\./);
    client.customerWrites(from, '2');
    sent = await client.waitForSent(3);
    expect(sent[2]!.text).to.match(/^Свободное время — вторник, 8 декабря:\n\n1\. 10:00\n/);
    client.customerWrites(from, 'в 12:00');
    sent = await client.waitForSent(4);
    expect(sent[3]!.text).to.equal(
      'Проверьте, пожалуйста: Стрижка, вторник, 8 декабря в 12:00. Записать?\n\n1. Подтвердить\n2. Другое время\n3. Стоп\n\nОтветьте номером варианта.',
    );
    client.customerWrites(from, '1');
    sent = await client.waitForSent(5);
    expect(sent[4]!.text).to.match(/^Вы записаны: Стрижка, вторник, 8 декабря в 12:00\./);
    const listed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: owner.access });
    expect(listed.body[0]).to.include({ customer_name: 'Мария', channel: 'whatsapp' });
  });
});
