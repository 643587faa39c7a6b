import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestSystem, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, type TestSystem } from '../support/test-system.ts';
import { testDatabase } from '../setup.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { trainAndWait, uploadFixture } from '../support/knowledge.ts';
import { eventually } from '../support/eventually.ts';
import { createTestStore } from '../support/test-store.ts';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from '../fakes/telegram-server.ts';
import { lastUserText, startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai-server.ts';
import { phrasesIn } from '../../core/assistant/phrases.ts';

let nextBotId = 7_000_000_000;
function newBot(fake: FakeTelegram, username: string): { token: string; id: number } {
  const id = nextBotId++;
  const token = `${id}:${randomBytes(26).toString('base64url').slice(0, 35)}`;
  fake.addBot({ token, id, username, firstName: username });
  return { token, id };
}

/** An owner with the price list trained and a new bot of theirs connected and polling. */
async function ownerWithBot(
  t: TestSystem,
  fake: FakeTelegram,
  username: string,
  salonName?: string,
): Promise<{ owner: RegisteredOwner; bot: { token: string; id: number }; integrationId: string }> {
  const owner = await registerOwner(t.http, salonName ? { salon_name: salonName } : {});
  await uploadFixture(t.http, owner.access, 'price-list.xlsx');
  await trainAndWait(t.http, owner.access);
  const bot = newBot(fake, username);
  const connected = await t.http.post('/api/integrations/telegram/', {
    token: owner.access,
    body: { token: bot.token },
  });
  expect(connected.status, connected.text).to.equal(201);
  await fake.waitForPolling(bot.token);
  return { owner, bot, integrationId: connected.body.id };
}

/** Later test systems share the database: leave no bot of this fake's marked as running, then stop both. */
async function closeWithBots(t: TestSystem, fake: FakeTelegram): Promise<void> {
  await t.system.db.knex('integrations').where({ type: 'telegram', status: 'connected' }).update({ status: 'stopped' });
  await t.close();
  await fake.close();
}

describe('bots/telegram: customers talk to the business bot', function () {
  this.timeout(60_000);
  let fake: FakeTelegram;
  let t: TestSystem;
  let anna: RegisteredOwner;
  let annaBot: { token: string; id: number };
  let annaIntegration: string;

  const connect = (owner: RegisteredOwner, token: string) =>
    t.http.post('/api/integrations/telegram/', { token: owner.access, body: { token } });

  before(async () => {
    fake = await startFakeTelegram();
    t = await startTestSystem({ env: { TELEGRAM_API_ROOT: fake.url } });
    ({
      owner: anna,
      bot: annaBot,
      integrationId: annaIntegration,
    } = await ownerWithBot(t, fake, 'lotus_salon_bot', 'Лотос'));
  });
  after(() => closeWithBots(t, fake));

  it('connects a good token without ever showing it, and keeps it encrypted at rest', async () => {
    const list = await t.http.get('/api/integrations/', { token: anna.access });
    expect(list.body).to.have.length(1);
    expect(list.body[0]).to.include({
      id: annaIntegration,
      type: 'telegram',
      status: 'connected',
      username: 'lotus_salon_bot',
    });
    expect(list.text).to.not.include(annaBot.token);
    const row = await t.system.db.knex('integrations').where({ id: annaIntegration }).first();
    expect(row.secrets_sealed).to.be.a('string').and.not.include(annaBot.token.split(':')[1]);
    expect(t.logs.join('')).to.not.include(annaBot.token.split(':')[1]);
  });

  it("refuses a token Telegram rejects (422 with Telegram's reason) and a malformed one, storing nothing", async () => {
    const owner = await registerOwner(t.http);
    const rejected = await connect(owner, `123456789:${'A'.repeat(35)}`);
    expect(rejected.status).to.equal(422);
    expect(rejected.body.detail[0]).to.deep.include({ loc: ['body', 'token'] });
    expect(rejected.body.detail[0].msg).to.match(/Telegram rejected this token: .*Unauthorized/);
    const malformed = await connect(owner, 'not a token');
    expect(malformed.status).to.equal(422);
    expect((await t.http.get('/api/integrations', { token: owner.access })).body).to.deep.equal([]);
  });

  it("answers a customer's question with the price from the owner's spreadsheet, and greets /start with the salon's name", async () => {
    fake.customerSays(annaBot.token, { chatId: 501, firstName: 'Olga', text: '/start' });
    const welcome = await fake.waitForMessage(annaBot.token, 501);
    expect(welcome.text).to.include('Лотос');
    fake.customerSays(annaBot.token, { chatId: 501, firstName: 'Olga', text: '/help' });
    const toOlga = () => fake.sent(annaBot.token).filter((sent) => sent.chat_id === 501);
    await eventually(async () => toOlga().length === 2, 5000, 'the answer to /help');
    expect(toOlga()[1]!.text, '/help explains the bot, it is not a question for the files').to.equal(welcome.text);
    fake.customerSays(annaBot.token, {
      chatId: 501,
      firstName: 'Olga',
      username: 'olga',
      text: 'Сколько стоит маникюр с покрытием?',
    });
    const answer = await fake.waitForMessage(annaBot.token, 501, (message) => message.text.includes('1500'));
    expect(answer.text).to.include('price-list.xlsx');
  });

  it('shows the chat in history with its unread count; opening it lists both sides and clears unread', async () => {
    fake.customerSays(annaBot.token, { chatId: 502, firstName: 'Ivan', text: 'Сколько стоит педикюр?' });
    await fake.waitForMessage(annaBot.token, 502);
    const list = await eventually(
      async () => {
        const response = await t.http.get('/api/agent/history/?page=1&page_size=50', { token: anna.access });
        return response.body.items.find((chat: { customer_name: string }) => chat.customer_name === 'Ivan');
      },
      5000,
      'the chat in history',
    );
    expect(list).to.include({ channel: 'telegram', unread: 1, bot_paused: false });
    const detail = await t.http.get(`/api/agent/history/${list.id}/`, { token: anna.access });
    expect(detail.status).to.equal(200);
    expect(detail.body.messages.map((m: { sender: string }) => m.sender)).to.deep.equal(['customer', 'ai']);
    expect(detail.body.messages[0].text).to.equal('Сколько стоит педикюр?');
    const after = await t.http.get('/api/agent/history/', { token: anna.access });
    expect(after.body.items.find((chat: { id: string }) => chat.id === list.id).unread).to.equal(0);
  });

  it('a paused chat stores the message and stays silent; the owner reply reaches the customer; unpausing hands back', async () => {
    fake.customerSays(annaBot.token, { chatId: 503, firstName: 'Petr', text: 'Привет' });
    await fake.waitForMessage(annaBot.token, 503);
    const chat = (await t.http.get('/api/agent/history/', { token: anna.access })).body.items.find(
      (c: { customer_name: string }) => c.customer_name === 'Petr',
    );
    expect(
      (await t.http.put(`/api/agent/history/${chat.id}`, { token: anna.access, body: { bot_paused: true } })).body
        .bot_paused,
    ).to.equal(true);
    const repliesBefore = fake.sent(annaBot.token).filter((m) => m.chat_id === 503).length;
    fake.customerSays(annaBot.token, { chatId: 503, firstName: 'Petr', text: 'Сколько стоит маникюр с покрытием?' });
    await eventually(
      async () => {
        const detail = await t.http.get(`/api/agent/history/${chat.id}`, { token: anna.access });
        return detail.body.messages.some((m: { text: string }) => m.text === 'Сколько стоит маникюр с покрытием?');
      },
      5000,
      'the paused message to be stored',
    );
    // As if the assistant had handed the chat over: the owner's answer settles it.
    await t.system.db.knex('chats').where({ owner_id: anna.id, id: chat.id }).update({ needs_attention: true });
    const reply = await t.http.post(`/api/agent/history/${chat.id}/messages/`, {
      token: anna.access,
      body: { text: 'Добрый день! Это Анна, 1500 руб.' },
    });
    expect(reply.status).to.equal(201);
    expect(reply.body.sender).to.equal('owner');
    const listed = (await t.http.get('/api/agent/history/', { token: anna.access })).body.items.find(
      (c: { id: string }) => c.id === chat.id,
    );
    expect(listed).to.include({ last_message: 'Добрый день! Это Анна, 1500 руб.', needs_attention: false });
    await fake.waitForMessage(annaBot.token, 503, (m) => m.text === 'Добрый день! Это Анна, 1500 руб.');
    const toPetr = fake.sent(annaBot.token).filter((m) => m.chat_id === 503);
    expect(toPetr.length).to.equal(repliesBefore + 1);
    await t.http.put(`/api/agent/history/${chat.id}/`, { token: anna.access, body: { bot_paused: false } });
    fake.customerSays(annaBot.token, { chatId: 503, firstName: 'Petr', text: 'А педикюр сколько стоит?' });
    await fake.waitForMessage(annaBot.token, 503, (m) => m.text.includes('Педикюр'));
  });

  it('a customer who asks for a person is told the administrator will reply, and the owner sees the chat flagged until answering', async () => {
    fake.customerSays(annaBot.token, {
      chatId: 505,
      firstName: 'Olga',
      text: 'Соедините меня с администратором, пожалуйста',
    });
    expect((await fake.waitForMessage(annaBot.token, 505)).text).to.equal(
      'Хорошо, я передал ваш вопрос администратору, он ответит вам здесь.',
    );
    const flagged = (await t.http.get('/api/agent/history/', { token: anna.access })).body.items.find(
      (c: { customer_name: string }) => c.customer_name === 'Olga',
    );
    expect(flagged).to.include({ needs_attention: true });
    // The owner's "waiting for me" list: this chat, and none that does not need the owner.
    const waiting = (await t.http.get('/api/agent/history/?needs_attention=true', { token: anna.access })).body;
    expect(waiting.items.map((c: { id: string }) => c.id)).to.include(flagged.id);
    expect(waiting.items.every((c: { needs_attention: boolean }) => c.needs_attention)).to.equal(true);
    expect(waiting.total).to.equal(waiting.items.length);
    // Another owner's waiting list holds none of Anna's chats.
    const stranger = await registerOwner(t.http);
    expect(
      (await t.http.get('/api/agent/history/?needs_attention=true', { token: stranger.access })).body,
    ).to.deep.include({ items: [], total: 0 });
    const bad = await t.http.get('/api/agent/history/?needs_attention=maybe', { token: anna.access });
    expect(bad.status).to.equal(422);
    expect(bad.body.detail[0]).to.deep.include({ loc: ['query', 'needs_attention'], msg: 'Use true or false' });
    expect(
      (
        await t.http.post(`/api/agent/history/${flagged.id}/messages/`, {
          token: anna.access,
          body: { text: 'Здравствуйте, Ольга! Это Анна.' },
        })
      ).status,
    ).to.equal(201);
    await fake.waitForMessage(annaBot.token, 505, (m) => m.text === 'Здравствуйте, Ольга! Это Анна.');
    const settled = (await t.http.get('/api/agent/history/', { token: anna.access })).body.items.find(
      (c: { id: string }) => c.id === flagged.id,
    );
    expect(settled).to.include({ needs_attention: false });
    const stillWaiting = (await t.http.get('/api/agent/history/?needs_attention=true', { token: anna.access })).body;
    expect(stillWaiting.items.map((c: { id: string }) => c.id)).to.not.include(flagged.id);
    const notWaiting = (await t.http.get('/api/agent/history/?needs_attention=false', { token: anna.access })).body;
    expect(notWaiting.items.map((c: { id: string }) => c.id)).to.include(flagged.id);
  });

  it('answers a redelivered update only once', async () => {
    const update = fake.customerSays(annaBot.token, {
      chatId: 504,
      firstName: 'Dup',
      text: 'Сколько стоит маникюр с покрытием?',
    });
    await fake.waitForMessage(annaBot.token, 504);
    // The runner confirms an update with its next poll; redeliver once it has.
    await eventually(
      async () => {
        try {
          fake.redeliver(annaBot.token, update.update_id);
          return true;
        } catch {
          return false;
        }
      },
      5000,
      'the update to be confirmed',
    );
    fake.customerSays(annaBot.token, { chatId: 504, firstName: 'Dup', text: 'Спасибо' });
    await fake.waitForMessage(annaBot.token, 504, (m) => !m.text.includes('1500'));
    const priceAnswers = fake.sent(annaBot.token).filter((m) => m.chat_id === 504 && m.text.includes('1500'));
    expect(priceAnswers).to.have.length(1);
  });

  it("retries a 429 with Telegram's retry_after and still delivers the answer", async () => {
    fake.failNext(annaBot.token, 'sendMessage', {
      status: 429,
      description: 'Too Many Requests: retry after 1',
      retryAfter: 1,
    });
    fake.customerSays(annaBot.token, { chatId: 505, firstName: 'Busy', text: 'Сколько стоит маникюр с покрытием?' });
    const answer = await fake.waitForMessage(annaBot.token, 505, (m) => m.text.includes('1500'), 10_000);
    expect(answer.text).to.include('1500');
    expect(fake.calls.filter((call) => call.method === 'sendMessage' && call.status === 429)).to.have.length.at.least(
      1,
    );
  });

  it('answers voice messages and stickers politely with what it can read', async () => {
    fake.customerSendsVoice(annaBot.token, { chatId: 506, firstName: 'Voice', languageCode: 'en' });
    const reply = await fake.waitForMessage(annaBot.token, 506);
    expect(reply.text).to.match(/text messages and photos/);
  });

  it('refuses an owner reply to a customer who blocked the bot, with the reason', async () => {
    fake.customerSays(annaBot.token, { chatId: 507, firstName: 'Gone', text: 'Привет' });
    await fake.waitForMessage(annaBot.token, 507);
    const chat = (await t.http.get('/api/agent/history/', { token: anna.access })).body.items.find(
      (c: { customer_name: string }) => c.customer_name === 'Gone',
    );
    fake.blockBot(annaBot.token, 507);
    const reply = await t.http.post(`/api/agent/history/${chat.id}/messages`, {
      token: anna.access,
      body: { text: 'Вы тут?' },
    });
    expect(reply.status).to.equal(422);
    expect(reply.body.detail).to.match(/blocked/);
  });

  it("keeps a second owner to their own bot and files: no reuse of the first bot, no touching the first owner's integration or chats", async () => {
    const boris = await registerOwner(t.http, { salon_name: 'Barber' });
    await uploadFixture(t.http, boris.access, 'services.csv');
    await trainAndWait(t.http, boris.access);
    expect((await connect(boris, annaBot.token)).status).to.equal(409);
    const borisBot = newBot(fake, 'barber_bot');
    expect((await connect(boris, borisBot.token)).status).to.equal(201);
    await fake.waitForPolling(borisBot.token);
    fake.customerSays(borisBot.token, { chatId: 601, firstName: 'Max', text: 'Сколько стоит маникюр с покрытием?' });
    const answer = await fake.waitForMessage(borisBot.token, 601);
    expect(answer.text).to.not.include('1500');
    fake.customerSays(borisBot.token, { chatId: 601, firstName: 'Max', text: "How much is a men's haircut?" });
    expect((await fake.waitForMessage(borisBot.token, 601, (m) => m.text.includes('800'))).text).to.include(
      'services.csv',
    );
    for (const [method, path] of [
      ['DELETE', ''],
      ['POST', '/stop'],
      ['POST', '/start'],
      ['POST', '/test'],
    ] as const) {
      expect(
        (await t.http.request(method, `/api/integrations/${annaIntegration}${path}`, { token: boris.access })).status,
        `${method} ${path}`,
      ).to.equal(404);
    }
    const borisList = await t.http.get('/api/integrations', { token: boris.access });
    expect(borisList.body.map((i: { username: string }) => i.username)).to.deep.equal(['barber_bot']);
    // A chat of Anna's of this test's own (not one an earlier test happened to leave).
    fake.customerSays(annaBot.token, { chatId: 510, firstName: 'Annas customer', text: 'Привет' });
    await fake.waitForMessage(annaBot.token, 510);
    const annasChat = await eventually(
      async () =>
        (await t.http.get('/api/agent/history/?page_size=100', { token: anna.access })).body.items.find(
          (c: { customer_name: string }) => c.customer_name === 'Annas customer',
        ),
      5000,
      "Anna's chat in history",
    );
    expect((await t.http.get(`/api/agent/history/${annasChat.id}`, { token: boris.access })).status).to.equal(404);
    expect(
      (await t.http.post(`/api/agent/history/${annasChat.id}/messages`, { token: boris.access, body: { text: 'hi' } }))
        .status,
    ).to.equal(404);
    expect(
      (await t.http.get('/api/agent/history/', { token: boris.access })).body.items.every(
        (c: { customer_name: string }) => c.customer_name === 'Max',
      ),
    ).to.equal(true);
    expect((await t.http.get('/api/integrations', { token: anna.access })).body[0].status).to.equal('connected');
  });

  it('marks a bot whose token was revoked as error with the reason, and stops polling it (the process keeps running)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await revokedBotIsMarkedError();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled, 'a rejected polling loop must be handled, or Node would exit').to.deep.equal([]);
  });

  async function revokedBotIsMarkedError(): Promise<void> {
    const owner = await registerOwner(t.http);
    const bot = newBot(fake, 'revoked_bot');
    const { body } = await connect(owner, bot.token);
    await fake.waitForPolling(bot.token);
    fake.revokeBot(bot.token);
    const integration = await eventually(
      async () => {
        const list = await t.http.get('/api/integrations', { token: owner.access });
        return list.body[0].status === 'error' ? list.body[0] : undefined;
      },
      10_000,
      'the integration to be marked error',
    );
    expect(integration.id).to.equal(body.id);
    expect(integration.status_reason).to.match(/refused the token/);
    await eventually(async () => !t.system.bots!.running().includes(body.id), 5000, 'the runner to stop');
    const check = await t.http.post(`/api/integrations/${body.id}/test`, { token: owner.access });
    expect(check.body.ok).to.equal(false);
  }

  it('stop and start take effect at once; delete stops polling and forgets the token', async () => {
    const owner = await registerOwner(t.http);
    const bot = newBot(fake, 'temp_bot');
    const { body } = await connect(owner, bot.token);
    await fake.waitForPolling(bot.token);
    expect((await t.http.post(`/api/integrations/${body.id}/stop`, { token: owner.access })).body.status).to.equal(
      'stopped',
    );
    await fake.waitForPollingStopped(bot.token);
    await eventually(async () => !t.system.bots!.running().includes(body.id), 5000, 'the runner to stop');
    expect((await t.http.post(`/api/integrations/${body.id}/start`, { token: owner.access })).body.status).to.equal(
      'connected',
    );
    await fake.waitForPolling(bot.token);
    const test = await t.http.post(`/api/integrations/${body.id}/test/`, { token: owner.access });
    expect(test.body).to.include({ ok: true });
    expect((await t.http.delete(`/api/integrations/${body.id}/`, { token: owner.access })).status).to.equal(204);
    await eventually(async () => !t.system.bots!.running().includes(body.id), 5000, 'the runner to stop');
    await fake.waitForPollingStopped(bot.token);
    expect(await t.system.db.knex('integrations').where({ id: body.id }).first()).to.equal(undefined);
  });

  it("one owner's two bots keep the same customer's chats apart (chat ids and message ids repeat across bots)", async () => {
    const second = newBot(fake, 'lotus_second_bot');
    expect((await connect(anna, second.token)).status).to.equal(201);
    await fake.waitForPolling(second.token);
    fake.customerSays(annaBot.token, {
      chatId: 909,
      firstName: 'Twin',
      text: 'Сколько стоит маникюр с покрытием?',
      messageId: 1,
    });
    await fake.waitForMessage(annaBot.token, 909, (m) => m.text.includes('1500'));
    fake.customerSays(second.token, {
      chatId: 909,
      firstName: 'Twin',
      text: 'Сколько стоит маникюр с покрытием?',
      messageId: 1,
    });
    await fake.waitForMessage(second.token, 909, (m) => m.text.includes('1500'));
    const chats = (await t.http.get('/api/agent/history/?page_size=100', { token: anna.access })).body.items.filter(
      (c: { customer_name: string }) => c.customer_name === 'Twin',
    );
    expect(chats).to.have.length(2);
    const reply = await t.http.post(`/api/agent/history/${chats[0].id}/messages`, {
      token: anna.access,
      body: { text: 'Ответ владельца' },
    });
    expect(reply.status).to.equal(201);
    const delivered = [...fake.sent(annaBot.token), ...fake.sent(second.token)].filter(
      (m) => m.text === 'Ответ владельца',
    );
    expect(delivered).to.have.length(1);
  });

  it('after a restart on the same data the bot answers without anyone reconnecting it', async () => {
    await t.close();
    t = await startTestSystem({ env: { TELEGRAM_API_ROOT: fake.url } });
    await fake.waitForPolling(annaBot.token);
    fake.customerSays(annaBot.token, { chatId: 508, firstName: 'Later', text: 'Сколько стоит маникюр с покрытием?' });
    expect((await fake.waitForMessage(annaBot.token, 508, (m) => m.text.includes('1500'))).text).to.include('1500');
  });
});

describe('bots/telegram: a burst of messages', function () {
  this.timeout(30_000);

  it('answers several quick messages once, together, and stores each of them', async () => {
    const fake = await startFakeTelegram();
    const t = await startTestSystem({ env: { TELEGRAM_API_ROOT: fake.url, REPLY_DEBOUNCE_MS: '400' } });
    try {
      const { owner, bot } = await ownerWithBot(t, fake, 'burst_bot');
      for (const text of ['Здравствуйте!', 'У меня вопрос', 'сколько стоит маникюр с покрытием?'])
        fake.customerSays(bot.token, { chatId: 701, firstName: 'Burst', text });
      const reply = await fake.waitForMessage(bot.token, 701);
      expect(reply.text).to.include('1500');
      // Earlier messages' quiet periods ended before the last one's: a second answer would be here by now.
      expect(fake.sent(bot.token).filter((message) => message.chat_id === 701)).to.have.length(1);
      const chat = (await t.http.get('/api/agent/history/', { token: owner.access })).body.items[0];
      const detail = await t.http.get(`/api/agent/history/${chat.id}`, { token: owner.access });
      expect(detail.body.messages.map((m: { sender: string }) => m.sender)).to.deep.equal([
        'customer',
        'customer',
        'customer',
        'ai',
      ]);
    } finally {
      await closeWithBots(t, fake);
    }
  });
});

describe('bots/telegram: the typing indicator and one chat at a time', function () {
  this.timeout(60_000);
  let telegram: FakeTelegram;
  let model: FakeOpenAIServer;
  let t: TestSystem;
  let bot: { token: string; id: number };

  before(async () => {
    telegram = await startFakeTelegram();
    model = await startFakeOpenAI({ apiKey: 'k' });
    t = await startTestSystem({
      env: { TELEGRAM_API_ROOT: telegram.url, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: model.url },
    });
    ({ bot } = await ownerWithBot(t, telegram, 'typing_bot'));
  });
  after(async () => {
    await closeWithBots(t, telegram);
    await model.close();
  });

  const typingFor = (chatId: number) => (call: RecordedCall) =>
    call.token === bot.token && call.method === 'sendChatAction' && Number(call.body.chat_id) === chatId;

  it('shows "typing…" while an answer takes a while, sent before the answer', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    model.reply(async () => {
      await gate;
      return { text: 'Маникюр с покрытием стоит 1500 руб.' };
    });
    telegram.customerSays(bot.token, { chatId: 801, firstName: 'Slow', text: 'Сколько стоит маникюр с покрытием?' });
    const typing = await telegram.waitFor(typingFor(801), 10_000);
    expect(typing.body.action).to.equal('typing');
    release();
    const answer = await telegram.waitForMessage(bot.token, 801);
    expect(answer.text).to.include('1500');
  });

  it("handles one customer's messages one after another: a second message waits for the first one's answer and the model sees it", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    try {
      model.reply(async (body) => {
        const question = lastUserText(body);
        if (question === 'Первый вопрос про маникюр') await gate;
        return { text: `Ответ: ${question}` };
      });
      telegram.customerSays(bot.token, { chatId: 803, firstName: 'Seq', text: 'Первый вопрос про маникюр' });
      await model.waitFor(
        (request) => lastUserText(request.body as Record<string, unknown>) === 'Первый вопрос про маникюр',
      );
      const second = telegram.customerSays(bot.token, {
        chatId: 803,
        firstName: 'Seq',
        text: 'Второй вопрос про педикюр',
      });
      // The runner has fetched the second message (it polls on while the first is answered) before the model answers.
      await eventually(
        async () =>
          telegram.calls.some(
            (call) =>
              call.token === bot.token && call.method === 'getUpdates' && Number(call.body.offset) > second.update_id,
          ),
        10_000,
        'the second message to be fetched',
      );
      release();
      await telegram.waitForMessage(bot.token, 803, (m) => m.text === 'Ответ: Второй вопрос про педикюр', 10_000);
      expect(
        telegram
          .sent(bot.token)
          .filter((m) => m.chat_id === 803)
          .map((m) => m.text),
      ).to.deep.equal(['Ответ: Первый вопрос про маникюр', 'Ответ: Второй вопрос про педикюр']);
      // The second answer was asked with the first exchange in the conversation, not racing it.
      const call = model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!;
      const contents = (call.body as { messages: { content: unknown }[] }).messages.map((m) => String(m.content));
      expect(contents.slice(-3)).to.deep.equal([
        'Первый вопрос про маникюр',
        'Ответ: Первый вопрос про маникюр',
        'Второй вопрос про педикюр',
      ]);
    } finally {
      release();
      model.reply();
    }
  });

  it('sends no indicator for an answer that is ready at once', async () => {
    model.reply(async () => ({ text: 'Педикюр стоит 2200 руб.' }));
    telegram.customerSays(bot.token, { chatId: 802, firstName: 'Quick', text: 'Сколько стоит педикюр?' });
    await telegram.waitForMessage(bot.token, 802);
    expect(telegram.calls.filter(typingFor(802))).to.deep.equal([]);
  });
});

describe('bots/telegram: over the model call limit', function () {
  this.timeout(60_000);

  it('a customer over the limit is told "one moment" instead of silence, and is answered once when a place is free', async () => {
    const telegram = await startFakeTelegram();
    const model = await startFakeOpenAI({ apiKey: 'k' });
    // One model call of the owner at a time: a second customer meanwhile is over the limit.
    const t = await startTestSystem({
      env: { TELEGRAM_API_ROOT: telegram.url, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: model.url, MODEL_CONCURRENCY: '1' },
    });
    let release: () => void = () => {};
    try {
      const { owner, bot } = await ownerWithBot(t, telegram, 'limited_bot');
      const gate = new Promise<void>((resolve) => (release = resolve));
      model.reply(async (body) => {
        const question = lastUserText(body);
        if (question.includes('первый')) await gate;
        return { text: `Ответ на вопрос: ${question}` };
      });
      telegram.customerSays(bot.token, { chatId: 901, firstName: 'First', text: 'Это мой первый вопрос про маникюр' });
      await model.waitFor((request) => JSON.stringify(request.body).includes('первый'), 10_000);
      telegram.customerSays(bot.token, { chatId: 902, firstName: 'Second', text: 'А это второй вопрос про педикюр' });
      const wait = await telegram.waitForMessage(bot.token, 902, undefined, 10_000);
      expect(wait.text).to.equal(phrasesIn('ru').oneMoment);
      release();
      await telegram.waitForMessage(bot.token, 901, (m) => m.text.includes('первый'), 10_000);
      // Answered by the deferred job once the first call has freed its place (the limiter's Retry-After).
      const answer = await telegram.waitForMessage(bot.token, 902, (m) => m.text.startsWith('Ответ'), 20_000);
      expect(answer.text).to.equal('Ответ на вопрос: А это второй вопрос про педикюр');
      // Once each: one answer stored for the second customer's message, and sent once.
      const stored = await t.system.db
        .knex('messages')
        .join('chats', 'chats.id', 'messages.chat_id')
        .where({ 'chats.owner_id': owner.id, 'chats.customer_name': 'Second', 'messages.sender': 'ai' })
        .select('messages.text');
      expect(stored.map((row: { text: string }) => row.text)).to.deep.equal([answer.text]);
      expect(
        telegram
          .sent(bot.token)
          .filter((m) => m.chat_id === 902)
          .map((m) => m.text),
      ).to.deep.equal([phrasesIn('ru').oneMoment, 'Ответ на вопрос: А это второй вопрос про педикюр']);
      expect(telegram.sent(bot.token).filter((m) => m.chat_id === 901)).to.have.length(1);
    } finally {
      release();
      await closeWithBots(t, telegram);
      await model.close();
    }
  });
});

describe('bots/telegram: several processes share the bots', function () {
  this.timeout(60_000);

  it('a process that joins takes its even share at once, each bot runs in exactly one process, and one that stops hands its bots back at once', async () => {
    const fake = await startFakeTelegram();
    // Two processes of one deployment: one database, one Redis (or, embedded, one in-process store).
    const shared = createTestStore();
    const env = { TELEGRAM_API_ROOT: fake.url };
    const first = await startTestSystem({ env, store: shared });
    let second: TestSystem | undefined;
    try {
      const bots: Awaited<ReturnType<typeof ownerWithBot>>[] = [];
      for (const name of ['north_bot', 'south_bot', 'east_bot', 'west_bot'])
        bots.push(await ownerWithBot(first, fake, name));
      const ids = bots.map((bot) => bot.integrationId);
      const runs = (t: TestSystem) =>
        t.system
          .bots!.running()
          .filter((id) => ids.includes(id))
          .sort();
      expect(runs(first)).to.deep.equal([...ids].sort());

      // Well within the 30 s lease and its 10 s renewal round: the new process announces itself.
      second = await startTestSystem({ env, store: shared });
      const other = second;
      await eventually(
        async () => runs(first).length === 2 && runs(other).length === 2,
        5_000,
        'the bots to be split 2 and 2',
      );
      expect([...runs(first), ...runs(other)].sort(), 'each bot in exactly one process').to.deep.equal([...ids].sort());

      // A bot the second process took over answers from its owner's files.
      const moved = bots.find((bot) => runs(other).includes(bot.integrationId))!;
      await fake.waitForPolling(moved.bot.token);
      fake.customerSays(moved.bot.token, { chatId: 601, firstName: 'Ira', text: 'Сколько стоит маникюр с покрытием?' });
      expect(
        (await fake.waitForMessage(moved.bot.token, 601, (message) => message.text.includes('1500'))).text,
      ).to.include('price-list.xlsx');

      await second.close();
      second = undefined;
      await eventually(async () => runs(first).length === 4, 5_000, 'the first process to run all four bots again');
      fake.customerSays(moved.bot.token, { chatId: 602, firstName: 'Ira', text: 'Сколько стоит маникюр с покрытием?' });
      expect(
        (await fake.waitForMessage(moved.bot.token, 602, (message) => message.text.includes('1500'))).text,
      ).to.include('1500');
    } finally {
      await second?.close();
      await closeWithBots(first, fake);
      await shared.dispose();
    }
  });
});

/** `main.ts bots` in a process of its own, with the bots it polls read from its log. */
interface BotProcess {
  /** Integration ids it polls now: started ('telegram bot polling') and not stopped since. */
  polling(): string[];
  output(): string;
  /** SIGKILL: no close(), no hand-over, no leaving the heartbeat group; resolves once it is gone. */
  kill(): Promise<void>;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function startBotProcess(env: Record<string, string>): BotProcess {
  // node itself with tsx's loader, not the tsx CLI: that runs the program in a child of its own, which
  // a SIGKILL of the CLI would leave running. Role `bots`: no HTTP server, no job worker.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'main.ts', 'bots'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const polling = new Set<string>();
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      let entry: { msg?: string; integrationId?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue; // not pino's JSON
      }
      if (!entry.integrationId) continue;
      if (entry.msg === 'telegram bot polling') polling.add(entry.integrationId);
      if (entry.msg === 'channel runner stopped') polling.delete(entry.integrationId);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Even if mocha itself exits first (--exit after a timeout), the process must not outlive the run.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve(signal ?? code);
    }),
  );
  return {
    polling: () => [...polling],
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

// A process that dies without stopping is found out only when its leases and heartbeat run out, in
// the store the processes share. That needs a second real process on the same PostgreSQL and Redis,
// so the embedded run (PGlite and an in-process store, which no other process can reach) does not
// register this at all; CI's PostgreSQL and Redis pass runs it.
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  describe('bots/telegram: a process killed without stopping', function () {
    this.timeout(60_000);
    // The shortest BOT_LEASE_MS, for both processes: renewed (and free leases looked for) every second.
    const LEASE_MS = 3000;
    const ROUND_MS = 1000;
    let doomed: BotProcess | undefined;
    // Also after a timeout, when the test's own finally may never run.
    after(() => doomed?.kill());

    it("has its bots taken over once its leases run out: each bot runs in exactly one process throughout, and a customer who wrote meanwhile is answered from the owner's file", async () => {
      const fake = await startFakeTelegram();
      const shared = createTestStore();
      const env = { TELEGRAM_API_ROOT: fake.url, BOT_LEASE_MS: String(LEASE_MS) };
      const survivor = await startTestSystem({ env, store: shared });
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-killed-'));
      try {
        const bots: Awaited<ReturnType<typeof ownerWithBot>>[] = [];
        for (const name of ['killed_north_bot', 'killed_south_bot', 'killed_east_bot', 'killed_west_bot'])
          bots.push(await ownerWithBot(survivor, fake, name));
        const ids = bots.map((bot) => bot.integrationId).sort();
        const mine = (list: string[]) => list.filter((id) => ids.includes(id)).sort();
        const runs = () => mine(survivor.system.bots!.running());
        expect(runs()).to.deep.equal(ids);

        // Same deployment: the run's database, the same Redis prefix, the same encryption key.
        const { url: databaseUrl } = await testDatabase();
        const started = startBotProcess({
          ...env,
          NODE_ENV: 'test',
          DATA_DIR: dataDir,
          DATABASE_URL: databaseUrl!,
          REDIS_URL: process.env.REDIS_URL!,
          REDIS_PREFIX: shared.prefix!,
          JWT_SECRET: TEST_JWT_SECRET,
          ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
          REPLY_DEBOUNCE_MS: '0',
          // Telegram only: a WhatsApp Web session left live by another test would start a Chromium the kill orphans.
          WHATSAPP_WEB_MAX_SESSIONS: '0',
        });
        doomed = started;
        let exited: unknown;
        void started.exited.then((how) => (exited = how));
        await eventually(
          async () => {
            if (exited !== undefined)
              throw new Error(`the bot process exited (${String(exited)}):\n${started.output()}`);
            return runs().length === 2 && mine(started.polling()).length === 2;
          },
          20_000,
          'the bots to be split 2 and 2 with the new process',
        );
        expect([...runs(), ...mine(started.polling())].sort(), 'each bot in exactly one process').to.deep.equal(ids);

        // A bot of the doomed process answers from there (the survivor does not run it).
        const moved = bots.find((bot) => mine(started.polling()).includes(bot.integrationId))!;
        await fake.waitForPolling(moved.bot.token);
        fake.customerSays(moved.bot.token, {
          chatId: 611,
          firstName: 'Vera',
          text: 'Сколько стоит маникюр с покрытием?',
        });
        expect(
          (await fake.waitForMessage(moved.bot.token, 611, (message) => message.text.includes('1500'))).text,
        ).to.include('price-list.xlsx');

        await started.kill();
        expect(await started.exited).to.equal('SIGKILL');
        // Written while nobody polls the bot: Telegram keeps it for whoever polls next.
        fake.customerSays(moved.bot.token, {
          chatId: 612,
          firstName: 'Vera',
          text: 'Сколько стоит маникюр с покрытием?',
        });
        // Its leases and heartbeat (fresh: it took the bots a moment ago) outlive it by a lease; the
        // survivor's next round, a third of a lease later at most, takes the bots; a lease more for a loaded machine.
        await eventually(async () => runs().length === 4, 2 * LEASE_MS + ROUND_MS, 'the survivor to run all four bots');
        const answer = await fake.waitForMessage(moved.bot.token, 612, (message) => message.text.includes('1500'));
        expect(answer.text).to.include('price-list.xlsx');
        // Answered by one process each: no getUpdates conflict (two pollers of one bot), and no answer twice.
        const tokens = bots.map((bot) => bot.bot.token);
        expect(
          fake.calls.filter(
            (call) => tokens.includes(call.token) && call.method.toLowerCase() === 'getupdates' && call.status === 409,
          ),
          'getUpdates conflicts',
        ).to.deep.equal([]);
        for (const chatId of [611, 612])
          expect(
            fake.sent(moved.bot.token).filter((message) => message.chat_id === chatId),
            `answers in chat ${chatId}`,
          ).to.have.length(1);
      } finally {
        await doomed?.kill();
        await closeWithBots(survivor, fake);
        await shared.dispose();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
