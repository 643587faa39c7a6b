// Booking in Telegram: inline buttons (callback queries answered, pressed keyboards removed), with and
// without a model; two customers racing for one time; the owner's changes and the reminder reaching
// the customer with buttons.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { createService, setUpBusiness } from '../support/booking.ts';
import { startFakeTelegram, type FakeTelegram, type SentBody } from '../fakes/telegram-server.ts';
import { startFakeOpenAI, toolResults, type FakeOpenAIServer } from '../fakes/openai-server.ts';

const NOW = new Date('2026-12-07T07:00:00Z');
let nextBotId = 7_300_000_000 + Math.floor(Math.random() * 1_000_000);

interface Button {
  text: string;
  callback_data: string;
}

const buttons = (body: SentBody): Button[] =>
  ((body['reply_markup'] as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

async function salonWithBot(t: TestSystem, fake: FakeTelegram): Promise<{ owner: RegisteredOwner; token: string }> {
  const owner = await registerOwner(t.http, { salon_name: 'Лотос' });
  await setUpBusiness(t.http, owner.access);
  await createService(t.http, owner.access, { name: 'Стрижка', duration_minutes: 60 });
  await createService(t.http, owner.access, { name: 'Маникюр', duration_minutes: 45 });
  const botId = nextBotId++;
  const token = `${botId}:${randomBytes(26).toString('base64url').slice(0, 35)}`;
  fake.addBot({ token, id: botId, username: `lotus_${botId}_bot` });
  const connected = await t.http.post('/api/integrations/telegram/', { token: owner.access, body: { token } });
  expect(connected.status, connected.text).to.equal(201);
  await fake.waitForPolling(token);
  return { owner, token };
}

/** A customer of one bot, who reads the bot's messages and presses their buttons. */
function customer(fake: FakeTelegram, token: string, chatId: number, firstName: string) {
  const mine = () => fake.sent(token).filter((body) => body.chat_id === chatId);
  let seen = mine().length;
  /** The bot's next message to this customer. */
  const next = async (): Promise<SentBody> => {
    const index = seen++;
    await fake.waitForMessage(token, chatId, () => mine().length > index);
    return mine()[index]!;
  };
  return {
    async says(text: string): Promise<SentBody> {
      fake.customerSays(token, { chatId, firstName, languageCode: 'ru', text });
      return next();
    },
    /** Presses the button with this label on the newest message showing it. */
    async presses(label: string, on: SentBody): Promise<SentBody> {
      const button = buttons(on).find((candidate) => candidate.text === label);
      expect(button, `no button "${label}" in ${JSON.stringify(buttons(on).map((b) => b.text))}`).to.exist;
      fake.customerPresses(token, { chatId, firstName, data: button!.callback_data });
      return next();
    },
    next,
  };
}

async function stopBots(t: TestSystem): Promise<void> {
  await t.system.db.knex('integrations').where({ type: 'telegram', status: 'connected' }).update({ status: 'stopped' });
}

describe('bots/telegram: booking with inline buttons, without a model', function () {
  this.timeout(60_000);
  let fake: FakeTelegram;
  let t: TestSystem;

  before(async () => {
    fake = await startFakeTelegram();
    t = await startTestSystem({ env: { TELEGRAM_API_ROOT: fake.url }, now: () => NOW });
  });
  after(async () => {
    await stopBots(t);
    await t.close();
    await fake.close();
  });

  it('/book, then buttons: the presses are answered, old buttons removed, and the customer is booked', async () => {
    const { owner, token } = await salonWithBot(t, fake);
    const olga = customer(fake, token, 9001, 'Ольга');
    let message = await olga.says('/book');
    expect(message.text).to.equal('На какую услугу вас записать?');
    expect(buttons(message).map((button) => button.text)).to.deep.equal(['Стрижка', 'Маникюр', 'Стоп']);
    message = await olga.presses('Стрижка', message);
    const press = fake.calls.filter((call) => call.method === 'answerCallbackQuery');
    expect(press).to.have.length(1);
    expect(press[0]!.status).to.equal(200);
    const removed = fake.calls.find((call) => call.method === 'editMessageReplyMarkup');
    expect(removed?.status).to.equal(200);
    expect(message.text).to.equal('Стрижка: какой день вам удобен?');
    message = await olga.presses('вт, 8 дек.', message);
    message = await olga.presses('10:30', message);
    // The name comes from Telegram; the phone is asked for.
    expect(message.text).to.equal('По какому телефону салон может с вами связаться? Можно пропустить.');
    message = await olga.says('+49 30 1234567');
    expect(message.text).to.equal('Проверьте, пожалуйста: Стрижка, вторник, 8 декабря в 10:30. Записать?');
    message = await olga.presses('Подтвердить', message);
    expect(message.text).to.equal('Вы записаны: Стрижка, вторник, 8 декабря в 10:30.');
    expect(buttons(message).map((button) => button.text)).to.deep.equal(['Перенести', 'Отменить']);
    for (const body of fake.sent(token))
      for (const button of buttons(body)) expect(Buffer.byteLength(button.callback_data)).to.be.at.most(64);

    const listed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: owner.access });
    expect(listed.body).to.have.length(1);
    expect(listed.body[0]).to.include({
      customer_name: 'Ольга',
      customer_phone: '+49 30 1234567',
      channel: 'telegram',
      start: '2026-12-08T10:30:00+01:00',
    });
    // The pressed button is the customer's message in the history, the confirmation the assistant's.
    const chats = await t.http.get('/api/agent/history/', { token: owner.access });
    const chat = await t.http.get(`/api/agent/history/${chats.body.items[0].id}/`, { token: owner.access });
    const said = chat.body.messages.map((m: { sender: string; text: string }) => `${m.sender}: ${m.text}`);
    expect(said).to.include('customer: 10:30');
    expect(said.at(-1)).to.equal('ai: Вы записаны: Стрижка, вторник, 8 декабря в 10:30.');

    // The owner cancels it: the customer is told in Telegram, with a button to book again.
    const cancelled = await t.http.delete(`/api/bookings/${listed.body[0].id}`, { token: owner.access });
    expect(cancelled.status).to.equal(200);
    const told = await olga.next();
    expect(told.text).to.equal('Салон отменил вашу запись: Стрижка, вторник, 8 декабря в 10:30.');
    expect(buttons(told).map((button) => button.text)).to.deep.equal(['Записаться']);
    message = await olga.presses('Записаться', told);
    expect(message.text).to.equal('На какую услугу вас записать?');
  });

  it('two customers confirm the same time at once: exactly one gets it, the other is offered the nearest free times', async () => {
    const { owner, token } = await salonWithBot(t, fake);
    const anna = customer(fake, token, 9101, 'Анна');
    const boris = customer(fake, token, 9102, 'Борис');
    const confirmations: SentBody[] = [];
    for (const person of [anna, boris]) {
      let message = await person.says('записаться на стрижку в среду в 15:00');
      expect(message.text).to.equal('По какому телефону салон может с вами связаться? Можно пропустить.');
      message = await person.presses('Пропустить', message);
      expect(message.text).to.equal('Проверьте, пожалуйста: Стрижка, среда, 9 декабря в 15:00. Записать?');
      confirmations.push(message);
    }
    // Both presses arrive together, in one batch of updates handled in parallel (one per chat).
    const ok = (message: SentBody) => buttons(message).find((button) => button.text === 'Подтвердить')!.callback_data;
    fake.customerPresses(token, { chatId: 9101, firstName: 'Анна', data: ok(confirmations[0]!) });
    fake.customerPresses(token, { chatId: 9102, firstName: 'Борис', data: ok(confirmations[1]!) });
    const answers = await Promise.all([anna.next(), boris.next()]);
    const won = answers.filter((answer) => answer.text.startsWith('Вы записаны'));
    const lost = answers.filter((answer) => answer.text.startsWith('К сожалению'));
    expect(won).to.have.length(1);
    expect(lost).to.have.length(1);
    expect(lost[0]!.text).to.equal(
      'К сожалению, это время (среда, 9 декабря в 15:00) только что заняли. Ближайшее свободное время:',
    );
    expect(buttons(lost[0]!).map((button) => button.text)).to.deep.equal([
      '13:30',
      '14:00',
      '16:00',
      'Другое время',
      'Стоп',
    ]);
    const listed = await t.http.get('/api/bookings?from=2026-12-09&to=2026-12-09', { token: owner.access });
    expect(listed.body).to.have.length(1);
    // The one who lost takes one of the times offered.
    const loser = lost[0]!.chat_id === 9101 ? anna : boris;
    const taken = await loser.presses('16:00', lost[0]!);
    expect(taken.text).to.equal('Проверьте, пожалуйста: Стрижка, среда, 9 декабря в 16:00. Записать?');
  });

  it('the reminder carries buttons: "Приду" thanks the customer, "Перенести" starts moving the booking', async () => {
    const { owner, token } = await salonWithBot(t, fake);
    const vera = customer(fake, token, 9201, 'Вера');
    let message = await vera.says('записаться на маникюр в четверг в 11:00');
    message = await vera.presses('Пропустить', message);
    message = await vera.presses('Подтвердить', message);
    const [booking] = (await t.http.get('/api/bookings?from=2026-12-10&to=2026-12-10', { token: owner.access })).body;
    // What the reminder job does when it comes due.
    await t.system.booking.reminders.handleJob({
      ownerId: owner.id,
      bookingId: booking.id,
      startsAt: new Date('2026-12-10T10:00:00Z').toISOString(),
    });
    const reminder = await vera.next();
    expect(reminder.text).to.equal('Напоминаем о записи: Маникюр, четверг, 10 декабря в 11:00. Лотос');
    expect(buttons(reminder).map((button) => button.text)).to.deep.equal(['Приду', 'Перенести', 'Отменить']);
    message = await vera.presses('Приду', reminder);
    expect(message.text).to.equal('Спасибо! Ждём вас: четверг, 10 декабря в 11:00.');
    message = await vera.presses('Перенести', message);
    expect(message.text).to.equal('Маникюр: какой день вам удобен?');
  });
});

describe('bots/telegram: booking with a model', function () {
  this.timeout(60_000);
  let fake: FakeTelegram;
  let model: FakeOpenAIServer;
  let t: TestSystem;

  before(async () => {
    fake = await startFakeTelegram();
    model = await startFakeOpenAI({ apiKey: 'sk-test-key' });
    t = await startTestSystem({
      env: {
        TELEGRAM_API_ROOT: fake.url,
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: model.url,
        LLM_MODEL: 'gpt-4o-mini',
        LLM_TIMEOUT_MS: '5000',
      },
      now: () => NOW,
    });
  });
  after(async () => {
    await stopBots(t);
    await t.close();
    await fake.close();
    await model.close();
  });

  it('the model books through tools and the confirmation has buttons; the buttons work without the model', async () => {
    const { owner, token } = await salonWithBot(t, fake);
    model.reply((body) => {
      const results = toolResults(body);
      if (results.length === 0) return { toolCalls: [{ name: 'list_services', arguments: {} }] };
      const services = JSON.parse(results[0]!.content) as { id: string; name: string }[];
      const service = services.find((candidate) => candidate.name === 'Маникюр')!;
      if (results.length === 1)
        return {
          toolCalls: [
            {
              name: 'book_appointment',
              arguments: { service_id: service.id, start: '2026-12-08T12:00:00+01:00', customer_name: 'Ольга' },
            },
          ],
        };
      const { booked } = JSON.parse(results[1]!.content);
      return { text: `Записала вас: ${booked.service}, ${booked.when}.` };
    });
    const olga = customer(fake, token, 9301, 'Ольга');
    let message = await olga.says('Запишите меня на маникюр завтра в 12');
    expect(message.text).to.equal('Записала вас: Маникюр, вторник, 8 декабря в 12:00.');
    expect(buttons(message).map((button) => button.text)).to.deep.equal(['Перенести', 'Отменить']);
    const calls = model.requests.length;
    message = await olga.presses('Перенести', message);
    expect(message.text).to.equal('Маникюр: какой день вам удобен?');
    message = await olga.presses('ср, 9 дек.', message);
    message = await olga.presses('12:00', message);
    message = await olga.presses('Подтвердить', message);
    expect(message.text).to.equal('Готово, запись перенесена: Маникюр, среда, 9 декабря в 12:00.');
    expect(model.requests).to.have.length(calls);
    const listed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-09', { token: owner.access });
    expect(listed.body.map((booking: { start: string }) => booking.start)).to.deep.equal(['2026-12-09T12:00:00+01:00']);
  });

  it('/book gives the guided buttons with a model too, and booking by them never calls the model', async () => {
    const { token } = await salonWithBot(t, fake);
    const calls = model.requests.length;
    const ivan = customer(fake, token, 9302, 'Иван');
    let message = await ivan.says('/book');
    message = await ivan.presses('Стрижка', message);
    message = await ivan.presses('пн, 7 дек.', message);
    message = await ivan.presses('10:00', message);
    message = await ivan.presses('Пропустить', message);
    message = await ivan.presses('Подтвердить', message);
    expect(message.text).to.equal('Вы записаны: Стрижка, понедельник, 7 декабря в 10:00.');
    expect(model.requests).to.have.length(calls);
  });
});
