// Messages that arrive while an answer is being prepared are answered, and nothing is answered twice.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../../support/test-system.ts';
import { registerOwner } from '../../support/owners.ts';
import { startFakeOpenAI, lastUserText, type FakeOpenAIServer } from '../../fakes/openai-server.ts';
import { eventually } from '../../support/eventually.ts';
import { receiveCustomerMessage } from '../../../core/conversations/chats.ts';

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
    const incoming = (text: string, id: string) => ({
      ownerId: owner.id,
      channel: 'telegram' as const,
      chatRef: '42',
      customer: { name: 'Ann' },
      text,
      externalId: id,
    });
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
    await fake.waitFor(
      (request) => request.path === '/v1/chat/completions' && JSON.stringify(request.body).includes('first'),
    );
    const second = await assistant.receive(incoming('second', '2'));
    if (second.kind !== 'stored') throw new Error('not stored');
    release();
    expect(await firstAnswer, 'the first answer is dropped: a newer message will answer').to.equal(undefined);
    const secondAnswer = await assistant.answerIfLatest(owner.id, second.chatId, second.messageId);
    expect(secondAnswer?.response).to.equal('answer to: first + second');

    const third = await assistant.receive(incoming('third', '3'));
    if (third.kind !== 'stored') throw new Error('not stored');
    expect((await assistant.answerIfLatest(owner.id, third.chatId, third.messageId))?.response).to.equal(
      'answer to: third',
    );
    const messages = await t.system.db
      .knex('messages')
      .where({ chat_id: first.chatId })
      .orderBy('id')
      .select('sender', 'text');
    expect(messages.map((m: { sender: string }) => m.sender)).to.deep.equal([
      'customer',
      'customer',
      'ai',
      'customer',
      'ai',
    ]);
    fake.reply();
  });

  it("a new customer's first messages arriving at once make one chat, each stored once, with the right unread count and the model's usage recorded", async () => {
    const owner = await registerOwner(t.http);
    const assistant = t.system.assistant;
    const incoming = (text: string, id: string) => ({
      ownerId: owner.id,
      channel: 'telegram' as const,
      chatRef: 'new-customer',
      customer: { name: 'Bo', username: 'bo' },
      text,
      externalId: id,
    });
    const ids = ['1', '2', '3', '4', '5', '6', '7', '8'];
    // Connections are opened first, so the eight statements really run at the same moment.
    await Promise.all(ids.map(() => t.system.db.knex.raw('select 1')));
    const received = await Promise.all(ids.map((id) => assistant.receive(incoming(`hello ${id}`, id))));
    expect(received.map((outcome) => outcome.kind)).to.deep.equal(ids.map(() => 'stored'));
    const chatIds = new Set(received.map((outcome) => outcome.chatId));
    expect(chatIds.size).to.equal(1);
    const redelivered = await assistant.receive(incoming('hello 2', '2'));
    expect(redelivered.kind).to.equal('duplicate');
    const chat = await t.system.db
      .knex('chats')
      .where({ owner_id: owner.id })
      .first('unread', 'customer_name', 'customer_username', 'last_message');
    expect(chat).to.include({ unread: 8, customer_name: 'Bo', customer_username: 'bo' });
    expect(
      await t.system.db
        .knex('messages')
        .where({ owner_id: owner.id })
        .count<{ count: string | number }[]>('* as count'),
    ).to.deep.equal([{ count: t.system.db.kind === 'postgres' ? '8' : 8 }]);

    fake.reply(async () => ({ text: 'hi there' }));
    const newest = received
      .map((outcome) => (outcome.kind === 'stored' ? outcome.messageId : '0'))
      .sort((a, b) => Number(a) - Number(b))
      .at(-1)!;
    const reply = await assistant.answerIfLatest(owner.id, [...chatIds][0]!, newest);
    expect(reply?.response).to.equal('hi there');
    const usage = await t.system.db
      .knex('usage_events')
      .where({ owner_id: owner.id, kind: 'chat' })
      .select('prompt_tokens');
    expect(usage).to.have.length(1);
    expect(Number(usage[0].prompt_tokens)).to.be.greaterThan(0);
    const after = await t.system.db
      .knex('chats')
      .where({ owner_id: owner.id })
      .first('last_message', 'needs_attention');
    expect(after).to.include({ last_message: 'hi there', needs_attention: false });
    fake.reply();
  });

  it('a first message whose new chat lost the race to another one is stored in the chat the other one created', async () => {
    const owner = await registerOwner(t.http);
    const { knex, kind } = t.system.db;
    const chat = { channel: 'telegram' as const, externalId: 'racing-customer', customer: { name: 'Cy' } };
    // The first message's statement has created the chat but not committed when the second one runs.
    const trx = await knex.transaction();
    const first = await receiveCustomerMessage(trx, owner.id, chat, { text: 'one', externalId: '1' });
    const second = receiveCustomerMessage(knex, owner.id, chat, { text: 'two', externalId: '2' });
    if (kind === 'postgres') {
      // PostgreSQL: the second statement waits on the first one's uncommitted chat row.
      await eventually(
        async () => {
          const waiting = await knex.raw(
            `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%with existing%'`,
          );
          return waiting.rows.length > 0;
        },
        10_000,
        'the second insert waiting for the first',
      );
    }
    await trx.commit();
    const stored = await second;
    expect(stored.chatId).to.equal(first.chatId);
    expect(stored.message?.text).to.equal('two');
    const row = await knex('chats').where({ owner_id: owner.id }).first('unread', 'last_message');
    expect(row).to.include({ unread: 2, last_message: 'two' });
  });
});
