// Proves the fake Telegram server behaves like the Bot API for real grammY clients, so bot tests can trust it.
import { expect } from 'chai';
import { Bot, GrammyError } from 'grammy';
import type { Update } from 'grammy/types';
import { run } from '@grammyjs/runner';
import { autoRetry } from '@grammyjs/auto-retry';
import { startFakeTelegram, type FakeTelegram, type RecordedCall } from './telegram-server.ts';

const TOKEN = '123456:AAH-fake-token-for-tests';
const CHAT = 777_001;

/** bot.start() settles only when polling ends; its outcome is captured so a failure is asserted, never unhandled. */
function startPolling(bot: Bot): Promise<unknown> {
  return bot.start().then(
    () => 'stopped',
    (error: unknown) => error,
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function expectGrammyError(error: unknown, code: number, description: string): GrammyError {
  expect(error).to.be.instanceOf(GrammyError);
  const grammyError = error as GrammyError;
  expect(grammyError.error_code).to.equal(code);
  expect(grammyError.description).to.equal(description);
  return grammyError;
}

describe('fake Telegram server', function () {
  this.timeout(10_000); // the retry_after and long-poll timeout cases wait a real second
  let fake: FakeTelegram;
  const newBot = (token = TOKEN): Bot => new Bot(token, { client: { apiRoot: fake.url } });

  beforeEach(async () => {
    fake = await startFakeTelegram();
    fake.addBot({ token: TOKEN, username: 'salon_desk_bot', firstName: 'Salon Desk' });
  });
  afterEach(() => fake.close());

  it('answers getMe for a registered token when grammY initialises', async () => {
    const bot = newBot();
    await bot.init();
    expect(bot.botInfo).to.include({ id: 123456, is_bot: true, username: 'salon_desk_bot', first_name: 'Salon Desk' });
    expect(fake.calls.map((call) => call.method)).to.deep.equal(['getMe']);
  });

  it('tells an onCall listener of each call as it arrives, until the listener is removed', async () => {
    const seen: string[] = [];
    const remove = fake.onCall((call) => seen.push(`${call.method} ${call.body['chat_id'] ?? ''}`.trim()));
    const bot = newBot();
    await bot.init();
    await bot.api.sendMessage(CHAT, 'first');
    remove();
    await bot.api.sendMessage(CHAT, 'second');
    expect(seen).to.deep.equal(['getMe', `sendMessage ${CHAT}`]);
    expect(fake.calls.map((call) => call.method)).to.deep.equal(['getMe', 'sendMessage', 'sendMessage']);
  });

  it('fails init with a 401 GrammyError for an unknown token', async () => {
    const error = await rejection(newBot('999:not-a-real-token').init());
    expectGrammyError(error, 401, 'Unauthorized');
  });

  it('delivers a customer message to a long-polling bot and records its reply', async () => {
    const bot = newBot();
    const seen: Array<{ text: string; updateId: number }> = [];
    bot.on('message:text', async (ctx) => {
      seen.push({ text: ctx.message.text, updateId: ctx.update.update_id });
      await ctx.reply(`You said: ${ctx.message.text}`);
    });
    const polling = startPolling(bot);
    await fake.waitForPolling(TOKEN);

    const update = fake.customerSays(TOKEN, {
      chatId: CHAT,
      text: 'Do you open on Sunday?',
      firstName: 'Olena',
      username: 'olena_k',
    });
    const reply = await fake.waitForMessage(TOKEN, CHAT);
    expect(reply.text).to.equal('You said: Do you open on Sunday?');
    expect(seen).to.deep.equal([{ text: 'Do you open on Sunday?', updateId: update.update_id }]);
    expect(update.message.chat).to.deep.equal({ id: CHAT, type: 'private', first_name: 'Olena', username: 'olena_k' });
    expect(fake.sent(TOKEN)).to.have.length(1);
    // grammY polls with the default 30 s timeout and confirms the update with the next offset
    await fake.waitFor((call) => call.method === 'getUpdates' && call.body['offset'] === update.update_id + 1);
    expect(fake.calls.find((call) => call.method === 'getUpdates')?.body['timeout']).to.equal(30);

    await bot.stop();
    expect(await polling).to.equal('stopped');
  });

  it('sees bot.stop() end the held long poll at once', async () => {
    const bot = newBot();
    const polling = startPolling(bot);
    await fake.waitForPolling(TOKEN);
    expect(fake.pollingNow(TOKEN)).to.equal(true);

    const stopping = Date.now();
    await bot.stop();
    expect(await polling).to.equal('stopped');
    await fake.waitForPollingStopped(TOKEN);
    expect(Date.now() - stopping).to.be.below(2_000); // far below the 30 s poll it cut short
    expect(fake.pollingNow(TOKEN)).to.equal(false);
    // grammY's last word is a non-blocking getUpdates that confirms the offset
    const last = fake.calls.filter((call) => call.method === 'getUpdates').at(-1);
    expect(last?.body).to.include({ limit: 1 }).and.not.have.property('timeout');
    expect(last?.status).to.equal(200);
    expect(fake.getUpdatesCount(TOKEN)).to.equal(2);
  });

  it('answers 429 with retry_after, which auto-retry waits out and then succeeds', async () => {
    const bot = newBot();
    bot.api.config.use(autoRetry());
    fake.failNext(TOKEN, 'sendMessage', { status: 429, retryAfter: 1 });

    const started = Date.now();
    const message = await bot.api.sendMessage(CHAT, 'Your appointment is confirmed');
    expect(Date.now() - started).to.be.at.least(950);
    expect(message).to.include({ text: 'Your appointment is confirmed', message_id: 1 });
    expect(message.chat).to.include({ id: CHAT, type: 'private' });
    const attempts = fake.calls.filter((call) => call.method === 'sendMessage');
    expect(attempts.map((call) => call.status)).to.deep.equal([429, 200]);
    expect(fake.sent(TOKEN).map((body) => body.text)).to.deep.equal(['Your appointment is confirmed']);
  });

  it('surfaces a 429 with its retry_after to a bot without auto-retry', async () => {
    fake.failNext(TOKEN, 'sendMessage', { status: 429, retryAfter: 7 });
    const error = expectGrammyError(
      await rejection(newBot().api.sendMessage(CHAT, 'hi')),
      429,
      'Too Many Requests: retry after 7',
    );
    expect(error.parameters.retry_after).to.equal(7);
    expect(fake.sent()).to.deep.equal([]);
  });

  it('injects server errors once, then behaves normally', async () => {
    const api = newBot().api;
    fake.failNext(TOKEN, 'getMe', { status: 502 });
    expectGrammyError(await rejection(api.getMe()), 502, 'Bad Gateway');
    expect((await api.getMe()).username).to.equal('salon_desk_bot');
  });

  it('rejects a message over 4096 characters with 400 and accepts exactly 4096', async () => {
    const api = newBot().api;
    expectGrammyError(
      await rejection(api.sendMessage(CHAT, 'x'.repeat(4097))),
      400,
      'Bad Request: message is too long',
    );
    expectGrammyError(await rejection(api.sendMessage(CHAT, '   ')), 400, 'Bad Request: message text is empty');
    expect((await api.sendMessage(CHAT, 'y'.repeat(4096))).text).to.have.length(4096);
    expect(fake.sent()).to.have.length(1);
  });

  it("applies Telegram's HTML rules when parse_mode is HTML", async () => {
    const api = newBot().api;
    const error = await rejection(api.sendMessage(CHAT, 'Manicure < 30 min', { parse_mode: 'HTML' }));
    expectGrammyError(error, 400, `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 9`);
    const message = await api.sendMessage(CHAT, '<b>Manicure</b> &lt; 30 min', { parse_mode: 'HTML' });
    expect(message.text).to.equal('Manicure < 30 min');
  });

  it('answers 403 for a customer who blocked the bot, and tells the bot', async () => {
    const bot = newBot();
    const memberUpdates: string[] = [];
    bot.on('my_chat_member', (ctx) => void memberUpdates.push(ctx.myChatMember.new_chat_member.status));
    fake.customerSays(TOKEN, { chatId: CHAT, text: 'hello' });
    const blocked = fake.blockBot(TOKEN, CHAT);

    const error = await rejection(bot.api.sendMessage(CHAT, 'Are you still there?'));
    expectGrammyError(error, 403, 'Forbidden: bot was blocked by the user');
    expectGrammyError(
      await rejection(bot.api.sendChatAction(CHAT, 'typing')),
      403,
      'Forbidden: bot was blocked by the user',
    );
    expect((await bot.api.sendMessage(CHAT + 1, 'another customer')).chat.id).to.equal(CHAT + 1);

    const polling = startPolling(bot);
    await fake.waitFor((call) => call.method === 'getUpdates' && call.body['offset'] === blocked.update_id + 1);
    await bot.stop();
    expect(await polling).to.equal('stopped');
    expect(memberUpdates).to.deep.equal(['kicked']);
  });

  it("makes a running bot's polling fail with 401 when its token is revoked", async () => {
    const bot = newBot();
    const polling = startPolling(bot);
    await fake.waitForPolling(TOKEN);

    fake.revokeBot(TOKEN);
    expectGrammyError(await polling, 401, 'Unauthorized');
    expect(fake.pollingNow(TOKEN)).to.equal(false);
    expectGrammyError(await rejection(bot.api.getMe()), 401, 'Unauthorized');
  });

  it('answers the older of two concurrent getUpdates with 409, like Telegram', async () => {
    const api = newBot().api;
    const older = rejection(api.getUpdates({ timeout: 30 }));
    await fake.waitForPolling(TOKEN);
    expect(await api.getUpdates({ timeout: 0 })).to.deep.equal([]);
    expectGrammyError(
      await older,
      409,
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    expect(fake.getUpdatesCount(TOKEN)).to.equal(2);
  });

  it('holds getUpdates until its timeout, honours offset and limit, and keeps unconfirmed updates', async () => {
    const api = newBot().api;
    const started = Date.now();
    expect(await api.getUpdates({ timeout: 1 })).to.deep.equal([]);
    expect(Date.now() - started).to.be.at.least(950);

    const first = fake.customerSays(TOKEN, { chatId: CHAT, text: 'one' });
    const second = fake.customerSays(TOKEN, { chatId: CHAT, text: 'two' });
    expect(second.update_id).to.equal(first.update_id + 1);
    expect(second.message.message_id).to.equal(first.message.message_id + 1);
    expect((await api.getUpdates({ limit: 1 })).map((u) => u.update_id)).to.deep.equal([first.update_id]);
    // without a higher offset nothing is confirmed: the same updates come again
    expect((await api.getUpdates({})).map((u) => u.update_id)).to.deep.equal([first.update_id, second.update_id]);
    expect((await api.getUpdates({ offset: second.update_id })).map((u) => u.update_id)).to.deep.equal([
      second.update_id,
    ]);
    expect(await api.getUpdates({ offset: second.update_id + 1 })).to.deep.equal([]);
    expect(await api.getUpdates({})).to.deep.equal([]);
  });

  it('answers a held long poll as soon as an update arrives', async () => {
    const api = newBot().api;
    const held = api.getUpdates({ timeout: 30 });
    await fake.waitForPolling(TOKEN);
    const update = fake.sendUpdate(TOKEN, {
      callback_query: {
        id: 'cb1',
        from: { id: CHAT, is_bot: false, first_name: 'Olena' },
        chat_instance: 'ci',
        data: 'book',
      },
    });
    expect(await held).to.deep.equal([update]);
  });

  it('refuses getUpdates while a webhook is set, like Telegram', async () => {
    const api = newBot().api;
    await api.setWebhook('https://frontdesk.example/telegram/hook', { secret_token: 'shh' });
    expect(fake.webhook(TOKEN)).to.deep.equal({ url: 'https://frontdesk.example/telegram/hook', secretToken: 'shh' });
    expect((await api.getWebhookInfo()).url).to.equal('https://frontdesk.example/telegram/hook');
    const error = await rejection(api.getUpdates());
    expectGrammyError(
      error,
      409,
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
    await api.deleteWebhook();
    expect(await api.getUpdates()).to.deep.equal([]);
  });

  it('redelivers an already confirmed update, so bots can prove they dedupe', async () => {
    const bot = newBot();
    const handled: number[] = [];
    bot.on('message:text', (ctx) => void handled.push(ctx.update.update_id));
    const polling = startPolling(bot);
    const update = fake.customerSays(TOKEN, { chatId: CHAT, text: 'book me for 3pm' });
    const confirms = (call: RecordedCall): boolean =>
      call.method === 'getUpdates' && call.body['offset'] === update.update_id + 1;
    const confirming = await fake.waitFor(confirms);

    fake.redeliver(TOKEN, update.update_id);
    // grammY handles a batch before it asks again, so the next confirming poll means the duplicate was handled
    await fake.waitFor((call) => call !== confirming && confirms(call));
    await bot.stop();
    expect(await polling).to.equal('stopped');
    expect(handled).to.deep.equal([update.update_id, update.update_id]);
    expect(() => fake.redeliver(TOKEN, 1)).to.throw(/not been confirmed/);
  });

  it('serves photos through getFile and the file download URL', async () => {
    const api = newBot().api;
    const update = fake.customerSendsPhoto(TOKEN, { chatId: CHAT, caption: 'this colour please' });
    const photo = update.message.photo ?? [];
    expect(photo).to.have.length(2);
    expect(update.message.caption).to.equal('this colour please');

    const file = await api.getFile(photo.at(-1)?.file_id ?? '');
    expect(file.file_path).to.match(/^photos\/.+\.png$/);
    const response = await fetch(`${fake.url}/file/bot${TOKEN}/${file.file_path}`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('image/png');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 8)).to.deep.equal(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.length).to.equal(file.file_size);
    expectGrammyError(await rejection(api.getFile('no-such-file')), 400, 'Bad Request: invalid file_id');
    expect((await fetch(`${fake.url}/file/bot999:other/${file.file_path}`)).status).to.equal(401);
  });

  it("builds voice and sticker messages that grammY's filters recognise", async () => {
    const bot = newBot();
    const kinds: string[] = [];
    // the runner handles updates concurrently with its next getUpdates, so completion is observed in the handlers
    const bothSeen = new Promise<void>((resolve) => {
      const note = (kind: string): void => void (kinds.push(kind) === 2 && resolve());
      bot.on('message:voice', (ctx) => note(`voice ${ctx.message.voice.duration}s`));
      bot.on('message:sticker', (ctx) => note(`sticker ${ctx.message.sticker.emoji ?? ''}`));
    });
    fake.customerSendsVoice(TOKEN, { chatId: CHAT, duration: 4 });
    fake.customerSendsSticker(TOKEN, { chatId: CHAT, emoji: '💅' });

    const handle = run(bot);
    await bothSeen;
    await handle.stop();
    expect(kinds).to.deep.equal(['voice 4s', 'sticker 💅']);
  });

  it('feeds @grammyjs/runner, and handle.stop() ends its long poll', async () => {
    const bot = newBot();
    const texts: string[] = [];
    bot.on('message:text', async (ctx) => {
      texts.push(ctx.message.text);
      await ctx.reply('Got it');
    });
    const handle = run(bot);
    await fake.waitForPolling(TOKEN);
    fake.customerSays(TOKEN, { chatId: CHAT, text: 'Can I book a haircut?' });
    expect((await fake.waitForMessage(TOKEN, CHAT)).text).to.equal('Got it');
    await fake.waitForPolling(TOKEN);

    await handle.stop();
    await fake.waitForPollingStopped(TOKEN);
    expect(handle.isRunning()).to.equal(false);
    expect(texts).to.deep.equal(['Can I book a haircut?']);
    expect(fake.calls.filter((call) => call.method === 'getUpdates').at(-1)?.status).to.equal(499); // the client hung up
  });

  it('accepts form-encoded bodies and records calls to methods it does not model', async () => {
    const response = await fetch(`${fake.url}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: String(CHAT), text: 'form hello' }),
    });
    const payload = (await response.json()) as { ok: boolean; result: { text: string } };
    expect(payload.ok).to.equal(true);
    expect(payload.result.text).to.equal('form hello');
    expect(fake.sent()).to.deep.equal([{ chat_id: CHAT, text: 'form hello' }]);

    const api = newBot().api;
    await api.setMyCommands([{ command: 'book', description: 'Book an appointment' }]);
    expect(await api.getMyCommands()).to.deep.equal([{ command: 'book', description: 'Book an appointment' }]);
    expect(await api.setMessageReaction(CHAT, 1, [{ type: 'emoji', emoji: '👍' }])).to.equal(true);
    expect(fake.calls.at(-1)).to.include({ method: 'setMessageReaction', status: 200 });
  });

  it('ends held long polls with an empty result when it closes', async () => {
    const api = newBot().api;
    const held: Promise<Update[]> = api.getUpdates({ timeout: 30 });
    await fake.waitForPolling(TOKEN);
    await fake.close();
    expect(await held).to.deep.equal([]);
    fake = await startFakeTelegram(); // afterEach closes whatever fake is current
  });

  it('rejects waitFor on timeout with the calls it saw', async () => {
    await newBot().api.getMe();
    const error = await rejection(fake.waitFor((call) => call.method === 'sendMessage', 50));
    expect(String(error))
      .to.match(/no matching call within 50 ms/)
      .and.match(/123456 getMe \{\} → 200/);
  });
});
