// Booking through the test chat with a model: the fake model calls the booking tools as OpenAI's API
// does (scripted per test), the server checks every call as this customer, and the loop is bounded.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { createService, setUpBusiness } from '../support/booking.ts';
import { labels, testChat } from '../support/booking-chat.ts';
import { startFakeOpenAI, toolResults, type FakeOpenAIServer, type ReplyFn } from '../fakes/openai-server.ts';

const NOW = new Date('2026-12-07T07:00:00Z');

interface ChatBody {
  messages: { role: string; content: unknown }[];
  tools?: { function: { name: string } }[];
  tool_choice?: string;
}

/** A model that runs these steps in order, each from the tool results of this turn so far. */
function script(...steps: ((results: ReturnType<typeof toolResults>) => ReturnType<ReplyFn>)[]): ReplyFn {
  return (body) => {
    const results = toolResults(body);
    const step = steps[results.length] ?? steps.at(-1)!;
    return step(results);
  };
}
const json = (content: string) => JSON.parse(content);

describe('api/agent/test: booking with a model calling tools', function () {
  this.timeout(60_000);
  let fake: FakeOpenAIServer;
  let t: TestSystem;
  let owner: RegisteredOwner;
  let haircut: string;

  const chatCalls = () => fake.requests.filter((request) => request.path === '/v1/chat/completions');
  const lastBody = () => chatCalls().at(-1)!.body as ChatBody;

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test-key' });
    t = await startTestSystem({
      now: () => NOW,
      env: {
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: fake.url,
        LLM_MODEL: 'gpt-4o-mini',
        LLM_TIMEOUT_MS: '5000',
      },
    });
  });
  beforeEach(async () => {
    owner = await registerOwner(t.http, { salon_name: 'Лотос' });
    await setUpBusiness(t.http, owner.access);
    haircut = (await createService(t.http, owner.access, { name: 'Стрижка', duration_minutes: 60 })).id;
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  it('finds free times, books the one chosen, and answers with the booking’s buttons', async () => {
    fake.reply(
      script(
        () => ({ toolCalls: [{ name: 'list_services', arguments: {} }] }),
        ([services]) => ({
          toolCalls: [
            { name: 'find_free_slots', arguments: { service_id: json(services!.content)[0].id, date: '2026-12-08' } },
          ],
        }),
        ([services, slots]) => ({
          toolCalls: [
            {
              name: 'book_appointment',
              arguments: {
                service_id: json(services!.content)[0].id,
                start: json(slots!.content).slots[4].start,
                customer_name: 'Ольга',
              },
            },
          ],
        }),
        (results) => {
          const { booked } = json(results.at(-1)!.content);
          return { text: `Готово, Ольга: ${booked.service}, ${booked.when}.` };
        },
      ),
    );
    const chat = testChat(t.http, owner.access);
    const reply = await chat.say('Запишите меня на стрижку завтра, я Ольга');
    expect(reply.response).to.equal('Готово, Ольга: Стрижка, вторник, 8 декабря в 12:00.');
    expect(labels(reply)).to.deep.equal(['Перенести', 'Отменить']);
    const body = lastBody();
    expect(body.tools!.map((tool) => tool.function.name)).to.deep.equal([
      'list_services',
      'find_free_slots',
      'book_appointment',
      'list_my_bookings',
      'move_booking',
      'cancel_booking',
    ]);
    expect(String(body.messages[0]!.content)).to.include(
      'Never offer, promise or confirm a time a tool did not return',
    );
    const slots = json(toolResults(body as unknown as Record<string, unknown>)[1]!.content);
    expect(slots.slots[0]).to.deep.equal({ start: '2026-12-08T10:00:00+01:00', when: 'вторник, 8 декабря в 10:00' });
    const listed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: owner.access });
    expect(listed.body).to.have.length(1);
    expect(listed.body[0]).to.include({
      start: '2026-12-08T12:00:00+01:00',
      customer_name: 'Ольга',
      channel: 'test',
      source: 'customer',
    });
    // The buttons work without the model: "Отменить" asks, "Да, отменить" cancels.
    const before = chatCalls().length;
    expect((await chat.press('Отменить')).response).to.equal('Отменить запись: Стрижка, вторник, 8 декабря в 12:00?');
    expect((await chat.press('Да, отменить')).response).to.match(/^Запись отменена/);
    expect(chatCalls()).to.have.length(before);
  });

  it('a tool call naming another customer’s booking fails, and that booking stays as it was', async () => {
    const other = await t.system.booking.bookings.book(
      { kind: 'customer', ownerId: owner.id, channel: 'telegram', chatRef: 'someone-else:42' },
      { serviceId: haircut, start: new Date('2026-12-09T10:00:00Z'), customerName: 'Someone else' },
    );
    fake.reply(
      script(
        () => ({ toolCalls: [{ name: 'list_my_bookings', arguments: {} }] }),
        () => ({ toolCalls: [{ name: 'cancel_booking', arguments: { booking_id: other.id } }] }),
        () => ({
          toolCalls: [
            { name: 'move_booking', arguments: { booking_id: other.id, start: '2026-12-09T15:00:00+01:00' } },
          ],
        }),
        (results) => ({ text: results.map((result) => `${result.name}: ${result.content}`).join('\n') }),
      ),
    );
    const reply = await testChat(t.http, owner.access).say('Отмените запись на среду');
    expect(reply.response).to.equal(
      [
        'list_my_bookings: []',
        'cancel_booking: {"error":"Booking not found"}',
        'move_booking: {"error":"Booking not found"}',
      ].join('\n'),
    );
    expect(reply.actions).to.deep.equal([]);
    const kept = await t.http.get(`/api/bookings/${other.id}`, { token: owner.access });
    expect(kept.body).to.include({ status: 'confirmed', start: '2026-12-09T11:00:00+01:00' });
  });

  it('a time the model makes up is refused with the nearest free ones; nothing is booked', async () => {
    fake.reply(
      script(
        () => ({
          toolCalls: [
            {
              name: 'book_appointment',
              arguments: { service_id: haircut, start: '2026-12-08T22:00:00+01:00', customer_name: 'Ольга' },
            },
          ],
        }),
        ([refused]) => ({ text: refused!.content }),
      ),
    );
    const reply = await testChat(t.http, owner.access).say('Запишите на завтра в 22:00');
    const refusal = json(reply.response);
    expect(refusal.error).to.equal('This time is not available');
    expect(refusal.alternatives.map((slot: { start: string }) => slot.start)).to.deep.equal([
      '2026-12-08T18:00:00+01:00',
      '2026-12-08T18:30:00+01:00',
      '2026-12-08T19:00:00+01:00',
    ]);
    const listed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: owner.access });
    expect(listed.body).to.deep.equal([]);
  });

  it('books under the name the chat knows, and asks the model to ask for one when none is known', async () => {
    const start = '2026-12-08T11:00:00+01:00';
    fake.reply(
      script(
        () => ({ toolCalls: [{ name: 'book_appointment', arguments: { service_id: haircut, start } }] }),
        ([unknown]) => ({ text: json(unknown!.content).error }),
      ),
    );
    const chat = testChat(t.http, owner.access);
    expect((await chat.say('Запишите на завтра в 11')).response).to.equal(
      "The customer's name is not known: ask for it and pass customer_name",
    );
    fake.reply(
      script(
        () => ({
          toolCalls: [{ name: 'book_appointment', arguments: { service_id: haircut, start, customer_name: 'Ольга' } }],
        }),
        () => ({
          toolCalls: [
            { name: 'book_appointment', arguments: { service_id: haircut, start: '2026-12-08T13:00:00+01:00' } },
          ],
        }),
        (results) => ({
          text: results.map((result) => (json(result.content).booked ? 'booked' : 'refused')).join(' '),
        }),
      ),
    );
    expect((await chat.say('Ольга')).response).to.equal('booked booked');
    const listed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: owner.access });
    expect(listed.body.map((booking: { customer_name: string }) => booking.customer_name)).to.deep.equal([
      'Ольга',
      'Ольга',
    ]);
  });

  it('arguments that are not JSON, or not the tool’s, are answered as errors the model can read', async () => {
    fake.reply(
      script(
        () => ({ toolCalls: [{ name: 'find_free_slots', arguments: '{"service_id": ' }] }),
        () => ({ toolCalls: [{ name: 'find_free_slots', arguments: { service_id: 'not-an-id', hour: 3 } }] }),
        () => ({ toolCalls: [{ name: 'drop_all_bookings', arguments: {} }] }),
        (results) => ({ text: results.map((result) => json(result.content).error).join(' | ') }),
      ),
    );
    const reply = await testChat(t.http, owner.access).say('Когда свободно?');
    const [notJson, invalid, unknown] = reply.response.split(' | ');
    expect(notJson).to.equal('The arguments are not valid JSON');
    expect(invalid).to.match(/^Invalid arguments: /);
    expect(unknown).to.equal('No tool named drop_all_bookings');
  });

  it('stops after four rounds of tool calls and makes the model answer in words', async () => {
    fake.reply((body) =>
      body['tool_choice'] === 'none'
        ? { text: 'Извините, не получилось найти время.' }
        : { toolCalls: [{ name: 'list_services', arguments: {} }] },
    );
    const before = chatCalls().length;
    const reply = await testChat(t.http, owner.access).say('Запишите меня');
    expect(reply.response).to.equal('Извините, не получилось найти время.');
    const calls = chatCalls().slice(before);
    expect(calls.map((call) => (call.body as ChatBody).tool_choice)).to.deep.equal([
      'auto',
      'auto',
      'auto',
      'auto',
      'none',
    ]);
  });

  it('moves a booking through tools: the customer’s own bookings, then a free time', async () => {
    const mine = await t.system.booking.bookings.book(
      { kind: 'customer', ownerId: owner.id, channel: 'test', chatRef: `test:${owner.id}` },
      { serviceId: haircut, start: new Date('2026-12-09T10:00:00Z'), customerName: 'Ольга' },
    );
    fake.reply(
      script(
        () => ({ toolCalls: [{ name: 'list_my_bookings', arguments: {} }] }),
        ([listed]) => ({
          toolCalls: [
            {
              name: 'move_booking',
              arguments: { booking_id: json(listed!.content)[0].id, start: '2026-12-09T16:00:00+01:00' },
            },
          ],
        }),
        (results) => ({ text: `Перенесла на ${json(results.at(-1)!.content).moved.when}.` }),
      ),
    );
    const reply = await testChat(t.http, owner.access).say('Перенесите мою запись на 16:00');
    expect(reply.response).to.equal('Перенесла на среда, 9 декабря в 16:00.');
    expect(labels(reply)).to.deep.equal(['Перенести', 'Отменить']);
    const moved = await t.http.get(`/api/bookings/${mine.id}`, { token: owner.access });
    expect(moved.body.start).to.equal('2026-12-09T16:00:00+01:00');
  });

  it('/book starts the guided flow, and booking by its buttons never calls the model', async () => {
    const chat = testChat(t.http, owner.access);
    const before = chatCalls().length;
    let reply = await chat.say('/book');
    expect(reply.response).to.equal('Стрижка: какой день вам удобен?');
    reply = await chat.press('ср, 9 дек.');
    reply = await chat.press('10:00');
    await chat.say('Ольга');
    await chat.press('Пропустить');
    reply = await chat.press('Подтвердить');
    expect(reply.response).to.equal('Вы записаны: Стрижка, среда, 9 декабря в 10:00.');
    expect(chatCalls()).to.have.length(before);
  });
});
