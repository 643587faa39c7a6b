// What the assistant takes from the conversation: the earlier turns the model sees (within a character
// budget), and which message is searched when several arrive together.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../../support/test-system.ts';
import { registerOwner } from '../../support/owners.ts';
import { trainAndWait, uploadFixture } from '../../support/knowledge.ts';
import { startFakeOpenAI, lastUserText, type FakeOpenAIServer } from '../../fakes/openai-server.ts';

interface ChatBody {
  messages: { role: string; content: unknown }[];
}

const incoming = (ownerId: string, chatRef: string, text: string, id: string) => ({
  ownerId,
  channel: 'telegram' as const,
  chatRef,
  customer: { name: 'Lena' },
  text,
  externalId: id,
});

describe('core/assistant: the history the model sees', function () {
  this.timeout(60_000);
  let fake: FakeOpenAIServer;
  let t: TestSystem;

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'k' });
    t = await startTestSystem({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.url } });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  it('sends the earlier turns that fit in about 6,000 characters, newest first, and leaves out older ones', async () => {
    const owner = await registerOwner(t.http);
    const assistant = t.system.assistant;
    fake.reply(async (body) => ({ text: lastUserText(body).startsWith('Turn') ? 'ok' : 'the answer' }));
    // Five long turns of 1,400 characters, each answered "ok": the newest four fit in the budget, the fifth does not.
    const turns = [1, 2, 3, 4, 5].map((n) => `Turn ${n}: ${`${n}`.repeat(1400 - 8)}`);
    let chatId = '';
    for (const [index, text] of turns.entries()) {
      const received = await assistant.receive(incoming(owner.id, 'history-budget', text, `h${index}`));
      if (received.kind !== 'stored') throw new Error('not stored');
      chatId = received.chatId;
      expect((await assistant.answerIfLatest(owner.id, chatId, received.messageId))?.response).to.equal('ok');
    }
    const question = await assistant.receive(incoming(owner.id, 'history-budget', 'And the price?', 'h-last'));
    if (question.kind !== 'stored') throw new Error('not stored');
    await assistant.answerIfLatest(owner.id, question.chatId, question.messageId);
    const call = fake.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!;
    const contents = (call.body as ChatBody).messages.map((message) => String(message.content));
    for (const kept of turns.slice(1)) expect(contents, kept.slice(0, 7)).to.include(kept);
    expect(contents, 'the oldest turn is over the budget').to.not.include(turns[0]);
    expect(contents.at(-1)).to.equal('And the price?');
    fake.reply();
  });
});

describe('core/assistant: several messages answered together, without a model', function () {
  this.timeout(60_000);
  let t: TestSystem;

  before(async () => {
    t = await startTestSystem();
  });
  after(async () => {
    await t.close();
  });

  it('searches the newest message alone when the messages together find nothing (small talk drowning the question)', async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'price-list.xlsx');
    await trainAndWait(t.http, owner.access);
    const assistant = t.system.assistant;
    const chatter = [
      'Добрый вечер! Мы с подругой Ксенией хотели бы заглянуть к вам вдвоём после обеда, если получится.',
      'Она очень просила: видела фотографии работ мастеров в интернете и восхищалась оттенками, блёстками, узорами, стразами, рисунками и дизайном, особенно осенней коллекцией',
    ];
    const first = await assistant.receive(incoming(owner.id, 'drowned', chatter[0]!, 'd1'));
    await assistant.receive(incoming(owner.id, 'drowned', chatter[1]!, 'd2'));
    const second = await assistant.receive(incoming(owner.id, 'drowned', 'Сколько стоит маникюр с покрытием?', 'd3'));
    if (first.kind !== 'stored' || second.kind !== 'stored') throw new Error('not stored');
    const reply = await assistant.answerIfLatest(owner.id, second.chatId, second.messageId);
    expect(reply?.response).to.include('1500');
    expect(reply?.sources[0]?.name).to.equal('price-list.xlsx');
  });
});
