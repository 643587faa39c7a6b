// Booking through the test chat without a model: the guided flow's actions (the test chat's buttons),
// typed days and times, moving and cancelling, stale buttons, a restart mid-flow, the owner's changes
// told to the customer, and one owner's bookings out of another's reach.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { createService, setUpBusiness, TEN_TO_EIGHT } from '../support/booking.ts';
import { actionId, labels, testChat } from '../support/booking-chat.ts';
import { trainAndWait, uploadFixture } from '../support/knowledge.ts';
import { eventually } from '../support/eventually.ts';

// Monday, December 7, 2026, 08:00 in Berlin.
const NOW = new Date('2026-12-07T07:00:00Z');

async function salon(t: TestSystem, overrides: Record<string, unknown> = {}): Promise<RegisteredOwner> {
  const owner = await registerOwner(t.http, { salon_name: 'Лотос' });
  await setUpBusiness(t.http, owner.access, overrides);
  await createService(t.http, owner.access, { name: 'Стрижка', duration_minutes: 60 });
  await createService(t.http, owner.access, { name: 'Маникюр', duration_minutes: 45 });
  return owner;
}

async function bookings(t: TestSystem, owner: RegisteredOwner, day: string) {
  const response = await t.http.get(`/api/bookings?from=${day}&to=${day}`, { token: owner.access });
  expect(response.status).to.equal(200);
  return response.body as Record<string, any>[];
}

describe('api/agent/test: customers book in the test chat without a model', function () {
  this.timeout(60_000);
  let t: TestSystem;

  before(async () => {
    t = await startTestSystem({ now: () => NOW });
  });
  after(async () => {
    await t.close();
  });

  it('books by choosing service, day and time, giving a name, skipping the phone and confirming', async () => {
    const owner = await salon(t);
    const chat = testChat(t.http, owner.access);
    let reply = await chat.say('Хочу записаться');
    expect(reply.response).to.equal('На какую услугу вас записать?');
    expect(labels(reply)).to.deep.equal(['Стрижка', 'Маникюр', 'Стоп']);
    reply = await chat.press('Стрижка');
    expect(reply.response).to.equal('Стрижка: какой день вам удобен?');
    expect(labels(reply).slice(0, 3)).to.deep.equal(['пн, 7 дек.', 'вт, 8 дек.', 'ср, 9 дек.']);
    expect(labels(reply)).to.include('Ещё…');
    reply = await chat.press('вт, 8 дек.');
    expect(reply.response).to.equal('Свободное время — вторник, 8 декабря:');
    expect(labels(reply).slice(0, 3)).to.deep.equal(['10:00', '10:30', '11:00']);
    reply = await chat.press('Ещё…');
    expect(labels(reply)).to.include('15:00');
    reply = await chat.press('15:00');
    expect(reply.response).to.equal('На какое имя записать?');
    reply = await chat.say('Анна');
    expect(reply.response).to.equal('По какому телефону салон может с вами связаться? Можно пропустить.');
    reply = await chat.press('Пропустить');
    expect(reply.response).to.equal('Проверьте, пожалуйста: Стрижка, вторник, 8 декабря в 15:00. Записать?');
    expect(labels(reply)).to.deep.equal(['Подтвердить', 'Другое время', 'Стоп']);
    reply = await chat.press('Подтвердить');
    expect(reply.response).to.equal('Вы записаны: Стрижка, вторник, 8 декабря в 15:00.');
    expect(labels(reply)).to.deep.equal(['Перенести', 'Отменить']);

    const [booked, ...others] = await bookings(t, owner, '2026-12-08');
    expect(others).to.have.length(0);
    expect(booked).to.include({
      start: '2026-12-08T15:00:00+01:00',
      end: '2026-12-08T16:00:00+01:00',
      customer_name: 'Анна',
      customer_phone: null,
      source: 'customer',
      channel: 'test',
      service_name: 'Стрижка',
      status: 'confirmed',
    });
    // The conversation is in the chat's history: the choices as the customer's words, the confirmation as the assistant's.
    const history = await t.http.get(`/api/agent/history/${reply.chat_id}/`, { token: owner.access });
    const said = history.body.messages.map(
      (message: { sender: string; text: string }) => `${message.sender}: ${message.text}`,
    );
    expect(said).to.include('customer: Стрижка');
    expect(said).to.include('customer: 15:00');
    expect(said.at(-1)).to.equal('ai: Вы записаны: Стрижка, вторник, 8 декабря в 15:00.');
  });

  it('understands typed answers: a service, a day and a time in one message, a phone number, "да"', async () => {
    const owner = await salon(t);
    const chat = testChat(t.http, owner.access);
    let reply = await chat.say('Записаться на стрижку завтра в 12:00');
    expect(reply.response).to.equal('На какое имя записать?');
    reply = await chat.say('Олег');
    reply = await chat.say('+49 151 2345678');
    expect(reply.response).to.equal('Проверьте, пожалуйста: Стрижка, вторник, 8 декабря в 12:00. Записать?');
    reply = await chat.say('да');
    expect(reply.response).to.equal('Вы записаны: Стрижка, вторник, 8 декабря в 12:00.');
    const [booked] = await bookings(t, owner, '2026-12-08');
    expect(booked).to.include({ customer_name: 'Олег', customer_phone: '+49 151 2345678' });

    // The next booking from this chat knows the name and the phone; "в пятницу" picks the day.
    reply = await chat.say('записаться на маникюр');
    expect(reply.response).to.equal('Маникюр: какой день вам удобен?');
    reply = await chat.say('в пятницу');
    expect(reply.response).to.equal('Свободное время — пятница, 11 декабря:');
    reply = await chat.say('в 14:30');
    expect(reply.response).to.equal('Проверьте, пожалуйста: Маникюр, пятница, 11 декабря в 14:30. Записать?');
  });

  it('answers in English, "tomorrow at 3pm"; a time that is not free gets the nearest free ones', async () => {
    const owner = await salon(t);
    await t.http.post('/api/bookings', {
      token: owner.access,
      body: {
        service_id: (await t.http.get('/api/booking/services', { token: owner.access })).body[0].id,
        start: '2026-12-08T15:00:00+01:00',
        customer_name: 'Walk-in',
      },
    });
    const chat = testChat(t.http, owner.access);
    let reply = await chat.say('I would like to book a haircut');
    // "haircut" is not the service's name (Стрижка): the customer chooses it.
    expect(reply.response).to.equal('Which service would you like to book?');
    reply = await chat.press('Стрижка');
    reply = await chat.say('tomorrow at 3pm');
    expect(reply.response).to.equal('Tue, Dec 8 15:00 is not available. The nearest free times:');
    expect(labels(reply)).to.deep.equal(['13:30', '14:00', '16:00', 'Another time', 'Stop']);
    reply = await chat.press('16:00');
    expect(reply.response).to.equal('What name should I book it under?');
  });

  it('moves and cancels a booking: typed "перенести" and "отменить", then buttons', async () => {
    const owner = await salon(t);
    const chat = testChat(t.http, owner.access);
    await chat.say('Записаться на стрижку в среду в 11:00');
    await chat.say('Ира');
    await chat.press('Пропустить');
    let reply = await chat.press('Подтвердить');
    expect(reply.response).to.equal('Вы записаны: Стрижка, среда, 9 декабря в 11:00.');

    reply = await chat.say('Можно перенести?');
    expect(reply.response).to.equal('Стрижка: какой день вам удобен?');
    reply = await chat.press('чт, 10 дек.');
    reply = await chat.press('Ещё…');
    reply = await chat.press('17:00');
    expect(reply.response).to.equal(
      'Перенести запись «Стрижка»: было — среда, 9 декабря в 11:00, станет — четверг, 10 декабря в 17:00?',
    );
    reply = await chat.press('Подтвердить');
    expect(reply.response).to.equal('Готово, запись перенесена: Стрижка, четверг, 10 декабря в 17:00.');
    expect(await bookings(t, owner, '2026-12-09')).to.have.length(0);
    const [moved] = await bookings(t, owner, '2026-12-10');
    expect(moved).to.include({ start: '2026-12-10T17:00:00+01:00', customer_name: 'Ира' });

    reply = await chat.say('отменить запись');
    expect(reply.response).to.equal('Отменить запись: Стрижка, четверг, 10 декабря в 17:00?');
    expect(labels(reply)).to.deep.equal(['Да, отменить', 'Оставить']);
    reply = await chat.press('Да, отменить');
    expect(reply.response).to.equal('Запись отменена: Стрижка, четверг, 10 декабря в 17:00.');
    expect(labels(reply)).to.deep.equal(['Записаться']);
    const [cancelled] = await bookings(t, owner, '2026-12-10');
    expect(cancelled!.status).to.equal('cancelled');
    reply = await chat.say('отменить');
    expect(reply.response).to.equal('У вас нет предстоящих записей.');
  });

  it('a button from an earlier step says politely that it no longer works, and shows where things stand', async () => {
    const owner = await salon(t);
    const chat = testChat(t.http, owner.access);
    const first = await chat.say('записаться');
    await chat.press('Маникюр');
    let reply = await chat.pressId(actionId(first, 'Стрижка'));
    expect(reply.response).to.equal('Эта кнопка уже не действует.\nМаникюр: какой день вам удобен?');
    reply = await chat.press('Стоп');
    expect(reply.response).to.equal('Хорошо, остановились. Напишите «записаться», когда захотите записаться.');
    reply = await chat.pressId(actionId(first, 'Маникюр'));
    expect(reply.response).to.equal('Эта кнопка уже не действует.');
    expect(labels(reply)).to.deep.equal(['Записаться']);
    reply = await chat.press('Записаться');
    expect(reply.response).to.equal('На какую услугу вас записать?');
    // An action id that was never offered is answered the same way, and a malformed one is refused.
    expect((await chat.pressId('f:nonsense:1')).response).to.match(/^Эта кнопка уже не действует\./);
    const tooLong = await t.http.post('/api/agent/test/', { token: owner.access, body: { action: 'x'.repeat(65) } });
    expect(tooLong.status).to.equal(422);
    const both = await t.http.post('/api/agent/test/', {
      token: owner.access,
      body: { action: 'book', message: 'hi' },
    });
    expect(both.status).to.equal(422);
  });

  it('a question in the middle of the flow is answered and the step’s choices stay offered', async () => {
    const owner = await salon(t);
    const chat = testChat(t.http, owner.access);
    const services = await chat.say('записаться');
    const reply = await chat.say('Спасибо!');
    expect(reply.response).to.equal('Пожалуйста! Если появятся вопросы, пишите.');
    expect(reply.actions).to.deep.equal(services.actions);
    // A price question names a service but is a question: the files answer it (here they cannot).
    const price = await chat.say('Сколько стоит стрижка?');
    expect(price.response).to.match(/^К сожалению, у меня нет этой информации/);
    expect(price.actions).to.deep.equal(services.actions);
    // A bare number chooses among them, as WhatsApp Web customers answer.
    expect((await chat.say('2')).response).to.equal('Маникюр: какой день вам удобен?');
  });

  it('without online booking, "записаться" is a question for the files and /book says booking is not available', async () => {
    const owner = await registerOwner(t.http);
    const chat = testChat(t.http, owner.access);
    const typed = await chat.say('Хочу записаться');
    expect(typed.response).to.not.include('услугу');
    expect(typed.actions).to.deep.equal([]);
    expect((await chat.say('/book')).response).to.equal(
      'Онлайн-запись пока недоступна: администратор ответит вам здесь.',
    );
  });

  it('the confirmation gives the address from the settings, or an "Address:" line of the owner’s files', async () => {
    const owner = await salon(t, { address: 'ул. Липовая, 5' });
    const chat = testChat(t.http, owner.access);
    await chat.say('Записаться на стрижку завтра в 10:00');
    await chat.say('Анна');
    await chat.press('Пропустить');
    const reply = await chat.press('Подтвердить');
    expect(reply.response).to.equal('Вы записаны: Стрижка, вторник, 8 декабря в 10:00.\nАдрес: ул. Липовая, 5');

    const kyiv = await salon(t);
    await uploadFixture(t.http, kyiv.access, 'contacts.html');
    expect((await trainAndWait(t.http, kyiv.access)).status).to.equal('completed');
    const english = testChat(t.http, kyiv.access);
    await english.say('Book for tomorrow at 10:00');
    expect((await english.press('Маникюр')).response).to.equal('What name should I book it under?');
    await english.say('Anna');
    await english.press('Skip');
    expect((await english.press('Confirm')).response).to.equal(
      'You are booked: Маникюр, Tuesday, December 8 at 10:00.\nAddress: 12 Khreshchatyk St, Kyiv, second floor',
    );
  });

  it('keeps a flow across a restart: the next button works on a new system over the same database', async () => {
    const owner = await salon(t);
    const chat = testChat(t.http, owner.access);
    await chat.say('записаться на стрижку');
    const days = await chat.press('ср, 9 дек.');
    const again = await startTestSystem({ now: () => NOW });
    try {
      const reply = await testChat(again.http, owner.access).pressId(actionId(days, '12:00'));
      expect(reply.response).to.equal('На какое имя записать?');
    } finally {
      await again.close();
    }
  });

  it('when the owner cancels or moves a customer’s booking, the customer is told in their chat', async () => {
    const owner = await salon(t);
    const chat = testChat(t.http, owner.access);
    await chat.say('Записаться на маникюр в четверг в 12:00');
    await chat.say('Вера');
    await chat.press('Пропустить');
    const booked = await chat.press('Подтвердить');
    const [booking] = await bookings(t, owner, '2026-12-10');
    const moved = await t.http.patch(`/api/bookings/${booking!.id}`, {
      token: owner.access,
      body: { start: '2026-12-10T16:00:00+01:00' },
    });
    expect(moved.status, moved.text).to.equal(200);
    const cancelled = await t.http.delete(`/api/bookings/${booking!.id}`, { token: owner.access });
    expect(cancelled.status).to.equal(200);
    const history = async () =>
      (await t.http.get(`/api/agent/history/${booked.chat_id}/`, { token: owner.access })).body.messages.map(
        (message: { text: string }) => message.text,
      );
    const told = await eventually(async () => {
      const texts: string[] = await history();
      return texts.some((text) => text.startsWith('Салон отменил')) && texts;
    });
    expect(told).to.include('Салон перенёс вашу запись: Маникюр, теперь четверг, 10 декабря в 16:00.');
    expect(told.at(-1)).to.equal('Салон отменил вашу запись: Маникюр, четверг, 10 декабря в 16:00.');
  });
});

describe('api/agent/test: another owner never sees or touches these bookings', function () {
  this.timeout(60_000);
  let t: TestSystem;

  before(async () => {
    t = await startTestSystem({ now: () => NOW });
  });
  after(async () => {
    await t.close();
  });

  it('owner B’s chat pressing owner A’s booking buttons is told it cannot change it; A’s booking stays', async () => {
    const anna = await salon(t);
    const chat = testChat(t.http, anna.access);
    await chat.say('Записаться на стрижку завтра в 11:00');
    await chat.say('Анна');
    await chat.press('Пропустить');
    const booked = await chat.press('Подтвердить');
    const boris = await salon(t);
    const intruder = testChat(t.http, boris.access);
    for (const label of ['Перенести', 'Отменить']) {
      const reply = await intruder.pressId(actionId(booked, label));
      expect(reply.response).to.equal('Эту запись уже нельзя изменить здесь; администратор ответит вам.');
      expect(reply.actions).to.deep.equal([]);
    }
    const cancelId = actionId(booked, 'Отменить').replace('b:x:', 'b:y:');
    expect((await intruder.pressId(cancelId)).response).to.equal(
      'Эту запись уже нельзя изменить здесь; администратор ответит вам.',
    );
    const [kept] = await bookings(t, anna, '2026-12-08');
    expect(kept).to.include({ status: 'confirmed', start: '2026-12-08T11:00:00+01:00' });
    const id = kept!.id;
    expect((await t.http.get(`/api/bookings/${id}`, { token: boris.access })).status).to.equal(404);
    expect(
      (await t.http.patch(`/api/bookings/${id}`, { token: boris.access, body: { start: '2026-12-08T12:00:00+01:00' } }))
        .status,
    ).to.equal(404);
    expect((await t.http.delete(`/api/bookings/${id}`, { token: boris.access })).status).to.equal(404);
    expect(await bookings(t, boris, '2026-12-08')).to.deep.equal([]);
  });
});

describe('api/agent/test: a day with a daylight-saving change (Europe/Berlin, 2026-10-25)', function () {
  this.timeout(60_000);
  let t: TestSystem;

  before(async () => {
    // Saturday, October 24, 2026, 10:00 in Berlin (summer time, UTC+2); clocks go back overnight.
    t = await startTestSystem({ now: () => new Date('2026-10-24T08:00:00Z') });
  });
  after(async () => {
    await t.close();
  });

  it('shows and books local times on both sides of the change', async () => {
    const owner = await salon(t, { hours: { ...TEN_TO_EIGHT, sun: [['10:00', '14:00']] } });
    const chat = testChat(t.http, owner.access);
    let reply = await chat.say('записаться на стрижку');
    expect(labels(reply).slice(0, 3)).to.deep.equal(['сб, 24 окт.', 'вс, 25 окт.', 'пн, 26 окт.']);
    reply = await chat.press('вс, 25 окт.');
    expect(reply.response).to.equal('Свободное время — воскресенье, 25 октября:');
    expect(labels(reply)).to.deep.equal(['10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', 'Стоп']);
    reply = await chat.press('10:00');
    await chat.say('Анна');
    reply = await chat.press('Пропустить');
    expect(reply.response).to.equal('Проверьте, пожалуйста: Стрижка, воскресенье, 25 октября в 10:00. Записать?');
    await chat.press('Подтвердить');
    reply = await chat.say('записаться на стрижку сегодня в 18:00');
    expect(reply.response).to.equal('Проверьте, пожалуйста: Стрижка, суббота, 24 октября в 18:00. Записать?');
    await chat.press('Подтвердить');
    const listed = await t.http.get('/api/bookings?from=2026-10-24&to=2026-10-25', { token: owner.access });
    expect(listed.body.map((booking: { start: string }) => booking.start)).to.deep.equal([
      '2026-10-24T18:00:00+02:00',
      '2026-10-25T10:00:00+01:00',
    ]);
  });
});

describe('booking chat: two customers on two processes confirm the same time', function () {
  this.timeout(60_000);
  let one: TestSystem;
  let two: TestSystem;

  before(async () => {
    one = await startTestSystem({ now: () => NOW });
    two = await startTestSystem({ now: () => NOW });
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  /** A customer of the owner's test channel, served by one system (the same pipeline the test chat uses). */
  function customer(on: TestSystem, ownerId: string, chatRef: string) {
    let last: { response: string; actions: { id: string; label: string }[] } | undefined;
    const send = async (text: string, action?: string) => {
      const outcome = await on.system.assistant.handle({
        ownerId,
        channel: 'test',
        chatRef,
        customer: { name: chatRef },
        text,
        ...(action ? { action } : {}),
        externalId: randomUUID(),
      });
      expect(outcome.kind).to.equal('answered');
      if (outcome.kind === 'answered') last = outcome.reply;
      return last!;
    };
    return {
      say: (text: string) => send(text),
      press: (label: string) => send('', actionId(last!, label)),
      idOf: (label: string) => actionId(last!, label),
      send,
    };
  }

  it('exactly one is booked; the other is offered the nearest free times', async () => {
    const owner = await salon(one);
    const anna = customer(one, owner.id, 'race-anna');
    const boris = customer(two, owner.id, 'race-boris');
    for (const [person, name] of [
      [anna, 'Анна'],
      [boris, 'Борис'],
    ] as const) {
      await person.say('Записаться на стрижку завтра в 15:00');
      await person.say(name);
      const asked = await person.press('Пропустить');
      expect(asked.response).to.equal('Проверьте, пожалуйста: Стрижка, вторник, 8 декабря в 15:00. Записать?');
    }
    const answers = await Promise.all([
      anna.send('', anna.idOf('Подтвердить')),
      boris.send('', boris.idOf('Подтвердить')),
    ]);
    const texts = answers.map((answer) => answer.response);
    expect(texts.filter((text) => text === 'Вы записаны: Стрижка, вторник, 8 декабря в 15:00.')).to.have.length(1);
    const lost = answers.find((answer) => answer.response.startsWith('К сожалению'));
    expect(lost?.response).to.equal(
      'К сожалению, это время (вторник, 8 декабря в 15:00) только что заняли. Ближайшее свободное время:',
    );
    expect(labels(lost!)).to.deep.equal(['13:30', '14:00', '16:00', 'Другое время', 'Стоп']);
    expect(await bookings(one, owner, '2026-12-08')).to.have.length(1);
  });
});
