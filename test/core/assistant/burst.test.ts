// Messages that arrive while an answer is being prepared are answered, and nothing is answered twice.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../../support/test-system.ts';
import { registerOwner } from '../../support/owners.ts';
import { startFakeOpenAI, lastUserText, type FakeOpenAIServer } from '../../fakes/openai-server.ts';

describe('core/assistant answering a burst', function () {
  this.timeout(30_000);
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

  it('a message that arrives while the previous one is being answered is answered, together with it, once', async () => {
    const owner = await registerOwner(t.http);
    const assistant = t.system.assistant;
    const incoming = (text: string, id: string) => ({ ownerId: owner.id, channel: 'telegram' as const, chatRef: '42', customer: { name: 'Ann' }, text, externalId: id });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.reply(async (body) => {
      const text = lastUserText(body);
      if (text === 'first') await gate;
      return { text: `answer to: ${text.replace(/\n/g, ' + ')}` };
    });

    const first = await assistant.receive(incoming('first', '1'));
    if (first.kind !== 'stored') throw new Error('not stored');
    const firstAnswer = assistant.answerIfLatest(owner.id, first.chatId, first.messageId);
    await fake.waitFor((request) => request.path === '/v1/chat/completions' && JSON.stringify(request.body).includes('first'));
    const second = await assistant.receive(incoming('second', '2'));
    if (second.kind !== 'stored') throw new Error('not stored');
    release();
    expect(await firstAnswer, 'the first answer is dropped: a newer message will answer').to.equal(undefined);
    const secondAnswer = await assistant.answerIfLatest(owner.id, second.chatId, second.messageId);
    expect(secondAnswer?.response).to.equal('answer to: first + second');

    const third = await assistant.receive(incoming('third', '3'));
    if (third.kind !== 'stored') throw new Error('not stored');
    expect((await assistant.answerIfLatest(owner.id, third.chatId, third.messageId))?.response).to.equal('answer to: third');
    const messages = await t.system.db.knex('messages').where({ chat_id: first.chatId }).orderBy('id').select('sender', 'text');
    expect(messages.map((m: { sender: string }) => m.sender)).to.deep.equal(['customer', 'customer', 'ai', 'customer', 'ai']);
    fake.reply();
  });
});
