// Webhook mode (PUBLIC_URL set): Telegram pushes updates; the server acknowledges at once and answers after.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner } from '../support/owners.ts';
import { trainAndWait, uploadFixture } from '../support/knowledge.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.ts';
import { eventually } from '../support/eventually.ts';

describe('bots/telegram in webhook mode', function () {
  this.timeout(60_000);
  let fake: FakeTelegram;
  let t: TestSystem;

  before(async () => {
    fake = await startFakeTelegram();
    t = await startTestSystem({ env: { TELEGRAM_API_ROOT: fake.url, PUBLIC_URL: 'https://frontdesk.example.com/' } });
  });
  after(async () => {
    // Later test systems share the database: leave no bot of this fake's marked as running.
    await t.system.db
      .knex('integrations')
      .where({ type: 'telegram', status: 'connected' })
      .update({ status: 'stopped' });
    await t.close();
    await fake.close();
  });

  it('sets a webhook with a secret instead of polling, answers a pushed update, and refuses a forged one', async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'services.csv');
    await trainAndWait(t.http, owner.access);
    const token = `7100000001:${randomBytes(26).toString('base64url').slice(0, 35)}`;
    fake.addBot({ token, id: 7100000001, username: 'hooked_bot' });
    const connected = await t.http.post('/api/integrations/telegram', { token: owner.access, body: { token } });
    expect(connected.status).to.equal(201);
    await fake.waitFor((call) => call.token === token && call.method === 'setWebhook');
    const webhook = fake.webhook(token)!;
    expect(webhook.url).to.equal(`https://frontdesk.example.com/webhooks/telegram/${connected.body.id}`);
    expect(webhook.secretToken).to.match(/^[A-Za-z0-9_-]{32,256}$/);
    expect(fake.pollingNow(token)).to.equal(false);

    const update = {
      update_id: 1001,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 901, type: 'private', first_name: 'Web' },
        from: { id: 901, is_bot: false, first_name: 'Web' },
        text: "How much is a men's haircut?",
      },
    };
    const path = `/webhooks/telegram/${connected.body.id}`;
    const forged = await t.http.post(path, {
      body: update,
      headers: { 'x-telegram-bot-api-secret-token': 'not-the-secret' },
    });
    expect(forged.status).to.equal(401);
    const missing = await t.http.post(path, { body: update });
    expect(missing.status).to.equal(401);

    const started = Date.now();
    const accepted = await t.http.post(path, {
      body: update,
      headers: { 'x-telegram-bot-api-secret-token': webhook.secretToken! },
    });
    expect(accepted.status).to.equal(200);
    expect(Date.now() - started).to.be.below(1000);
    const answer = await fake.waitForMessage(token, 901);
    expect(answer.text).to.include('800');
    // Telegram redelivers when unsure: the same update is answered once.
    await t.http.post(path, { body: update, headers: { 'x-telegram-bot-api-secret-token': webhook.secretToken! } });
    const second = { ...update, update_id: 1002, message: { ...update.message, message_id: 2, text: 'Спасибо' } };
    await t.http.post(path, { body: second, headers: { 'x-telegram-bot-api-secret-token': webhook.secretToken! } });
    await fake.waitForMessage(token, 901, (message) => !message.text.includes('800'));
    expect(fake.sent(token).filter((message) => message.text.includes('800'))).to.have.length(1);
    expect(forged.text).to.not.include(webhook.secretToken!);

    // A failure inside the handler goes through the same error path as polling: a customer who
    // blocked the bot is marked, and the job does not fail.
    fake.blockBot(token, 902);
    const blocked = {
      update_id: 1003,
      message: {
        ...update.message,
        message_id: 3,
        chat: { id: 902, type: 'private', first_name: 'Gone' },
        from: { id: 902, is_bot: false, first_name: 'Gone' },
      },
    };
    expect(
      (await t.http.post(path, { body: blocked, headers: { 'x-telegram-bot-api-secret-token': webhook.secretToken! } }))
        .status,
    ).to.equal(200);
    await eventually(
      async () => {
        const chat = await t.system.db.knex('chats').where({ owner_id: owner.id, customer_name: 'Gone' }).first();
        return chat?.customer_blocked === true;
      },
      5000,
      'the blocked chat to be marked',
    );

    // Stopping the bot removes its webhook, so Telegram stops pushing.
    await t.http.post(`/api/integrations/${connected.body.id}/stop`, { token: owner.access });
    await fake.waitFor((call) => call.token === token && call.method === 'deleteWebhook');
    expect(fake.webhook(token)).to.equal(undefined);
  });
});
