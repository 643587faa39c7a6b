// A local fake of the Telegram Bot API over real HTTP, for grammY's `client: { apiRoot }`: bots are tested end to end offline.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { BotCommand, Message, Update, UserFromGetMe } from 'grammy/types';
import {
  REASONS,
  TERMINATED,
  TINY_OGG,
  TINY_PNG,
  TINY_WEBP,
  WEBHOOK_ACTIVE,
  botIdentity,
  int,
  isRecord,
  jsonField,
  messageUpdate,
  createWaiters,
  myChatMemberUpdate,
  photoSizes,
  privateChat,
  readBody,
  stickerOf,
  unixNow,
  visibleText,
  voiceOf,
  type Body,
  type CustomerOptions,
  type FakeFile,
  type MessageUpdate,
} from './telegram-updates.ts';
import {
  answerCallback,
  editReplyMarkup,
  newKeyboardState,
  pressUpdate,
  readInlineKeyboard,
  rememberSent,
  type KeyboardState,
} from './telegram-buttons.ts';

export type { Body, CustomerOptions, MessageUpdate } from './telegram-updates.ts';

export interface RecordedCall {
  token: string;
  method: string;
  body: Body;
  time: number;
  /** HTTP status answered; unset while a long poll is held, 499 if the client gave up first. */
  status?: number;
}

export interface SentBody extends Body {
  chat_id: number;
  text: string;
}

export interface Failure {
  status: number;
  description?: string;
  /** Seconds, sent as `parameters.retry_after` (Telegram does this with 429). */
  retryAfter?: number;
}

export interface BotOptions {
  token: string;
  id?: number;
  username?: string;
  firstName?: string;
}

export type NewUpdate = Omit<Update, 'update_id'> & { update_id?: number };

export interface FakeTelegram {
  /** The apiRoot for grammY: `http://127.0.0.1:PORT`, no trailing slash (grammY rejects one). */
  readonly url: string;
  readonly calls: RecordedCall[];
  addBot(options: BotOptions): UserFromGetMe;
  /** Every later call with this token, and a long poll held right now, is answered 401. */
  revokeBot(token: string): void;
  sendUpdate(token: string, update: NewUpdate): Update;
  customerSays(token: string, options: CustomerOptions & { text: string }): MessageUpdate;
  customerSendsPhoto(token: string, options: CustomerOptions & { caption?: string }): MessageUpdate;
  customerSendsVoice(token: string, options: CustomerOptions & { duration?: number }): MessageUpdate;
  customerSendsSticker(token: string, options: CustomerOptions & { emoji?: string }): MessageUpdate;
  /** The customer presses an inline button (its callback_data) on the newest message showing it, or on `messageId`. */
  customerPresses(token: string, options: CustomerOptions & { data: string; messageId?: number }): Update;
  /** Whether the bot answered this press (answerCallbackQuery). */
  callbackAnswered(token: string, queryId: string): boolean;
  /** Sends to this chat then answer 403; the bot gets the `my_chat_member` update Telegram sends. */
  blockBot(token: string, chatId: number): Update;
  unblockBot(token: string, chatId: number): Update;
  /** Delivers an update the bot already confirmed once more, ignoring the offset: at-least-once delivery. */
  redeliver(token: string, updateId: number): void;
  /** The next call of `method` with this token fails once (e.g. 429 with retryAfter, 500, 502). */
  failNext(token: string, method: string, failure: Failure): void;
  /** Bodies of the sendMessage calls Telegram accepted (rejected ones are only in `calls`). */
  sent(token?: string): SentBody[];
  webhook(token: string): { url: string; secretToken?: string } | undefined;
  pollingNow(token: string): boolean;
  getUpdatesCount(token: string): number;
  waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /**
   * Calls `listener` with each call as it arrives (returns a function that removes it): a load generator's
   * O(1) hook, where waitFor/waitForMessage re-check every waiter against the calls on every call.
   */
  onCall(listener: (call: RecordedCall) => void): () => void;
  waitForMessage(
    token: string,
    chatId: number,
    predicate?: (message: SentBody) => boolean,
    timeoutMs?: number,
  ): Promise<SentBody>;
  /** Resolves once a getUpdates for this token is held open (the bot is long polling). */
  waitForPolling(token: string, timeoutMs?: number): Promise<void>;
  /** Resolves once no getUpdates for this token is held open (the bot stopped polling, or is between polls). */
  waitForPollingStopped(token: string, timeoutMs?: number): Promise<void>;
  /** Answers held long polls with `[]` first, so no client is left hanging. */
  close(): Promise<void>;
}

interface Answer {
  ok(result: unknown): void;
  fail(status: number, description: string, retryAfter?: number): void;
}

interface HeldPoll {
  call: RecordedCall;
  answer: Answer;
  limit: number;
  timer: NodeJS.Timeout;
}

interface BotState {
  me: UserFromGetMe;
  revoked: boolean;
  /** Unconfirmed updates, ascending: Telegram keeps them until an offset above them confirms them. */
  pending: Update[];
  confirmed: Map<number, Update>;
  redelivered: Update[];
  nextUpdateId: number;
  /** Per chat, shared by customer and bot, as message ids are in a private chat. */
  messageIds: Map<number, number>;
  customers: Map<number, CustomerOptions>;
  blocked: Set<number>;
  webhook?: { url: string; secretToken?: string };
  poll?: HeldPoll;
  getUpdatesCount: number;
  commands: BotCommand[];
  failures: Map<string, Failure[]>;
  files: Map<string, FakeFile>;
  keyboards: KeyboardState;
}

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const bots = new Map<string, BotState>();
  const calls: RecordedCall[] = [];
  const callListeners = new Set<(call: RecordedCall) => void>();
  const sentBodies: Array<{ token: string; body: SentBody }> = [];
  let fileCounter = 0;

  const describeCalls = (): string =>
    calls
      .slice(-40)
      .map((call) => {
        const body = JSON.stringify(call.body);
        return `  ${call.token.split(':')[0]} ${call.method} ${body.length > 160 ? `${body.slice(0, 160)}…` : body} → ${call.status ?? 'held'}`;
      })
      .join('\n') || '  (none)';
  // Event-driven: every recorded call and every change of polling state re-checks the waiters; nothing polls.
  const { notify, waitUntil, failAll } = createWaiters(describeCalls);

  const need = (token: string): BotState => {
    const bot = bots.get(token);
    if (!bot) throw new Error(`fake Telegram: no bot with token ${token.split(':')[0]}:…; call addBot first`);
    return bot;
  };

  const responder = (res: ServerResponse, call: RecordedCall): Answer => {
    const send = (status: number, payload: Body): void => {
      if (res.destroyed) return; // the client left; the close handler has recorded that
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      call.status = status;
      notify();
    };
    return {
      ok: (result) => send(200, { ok: true, result }),
      fail: (status, description, retryAfter) =>
        send(status, {
          ok: false,
          error_code: status,
          description,
          ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}),
        }),
    };
  };

  const endPoll = (bot: BotState, finish: (poll: HeldPoll) => void): void => {
    const poll = bot.poll;
    if (!poll) return;
    bot.poll = undefined;
    clearTimeout(poll.timer);
    finish(poll);
    notify();
  };

  const take = (bot: BotState, limit: number): Update[] => {
    const again = bot.redelivered.splice(0, limit);
    return [...again, ...bot.pending.slice(0, limit - again.length)];
  };

  /** A positive offset confirms every update below it; a negative one keeps only the last -offset updates. */
  const confirm = (bot: BotState, offset: number): void => {
    const firstKept = bot.pending.findIndex((update) => update.update_id >= offset);
    const drop =
      offset < 0 ? Math.max(0, bot.pending.length + offset) : firstKept === -1 ? bot.pending.length : firstKept;
    for (const update of bot.pending.splice(0, drop)) bot.confirmed.set(update.update_id, update);
  };

  const wake = (bot: BotState): void => endPoll(bot, (poll) => poll.answer.ok(take(bot, poll.limit)));

  const push = (bot: BotState, update: Update): Update => {
    bot.pending.push(update);
    bot.pending.sort((a, b) => a.update_id - b.update_id);
    wake(bot);
    return update;
  };

  const nextMessageId = (bot: BotState, chatId: number, wanted?: number): number => {
    const id = wanted ?? (bot.messageIds.get(chatId) ?? 0) + 1;
    bot.messageIds.set(chatId, Math.max(id, bot.messageIds.get(chatId) ?? 0));
    return id;
  };

  const addFile = (bot: BotState, kind: string, ext: string, bytes: Buffer, contentType: string): FakeFile => {
    const n = ++fileCounter;
    const file = {
      file_id: `${kind}-${bot.me.id}-${n}`,
      file_unique_id: `unique-${n}`,
      file_path: `${kind}/file_${n}.${ext}`,
      bytes,
      contentType,
    };
    bot.files.set(file.file_id, file);
    return file;
  };

  const customerMessage = (
    token: string,
    customer: CustomerOptions,
    content: Parameters<typeof messageUpdate>[3],
    bot = need(token),
  ): MessageUpdate => {
    bot.customers.set(customer.chatId, { ...bot.customers.get(customer.chatId), ...customer });
    const update = messageUpdate(
      bot.nextUpdateId++,
      nextMessageId(bot, customer.chatId, customer.messageId),
      customer,
      content,
    );
    push(bot, update);
    return update;
  };

  const getUpdates = (bot: BotState, body: Body, call: RecordedCall, answer: Answer, res: ServerResponse): void => {
    bot.getUpdatesCount += 1;
    endPoll(bot, (older) => older.answer.fail(409, TERMINATED)); // the newest getUpdates wins, as on Telegram
    if (bot.webhook) return answer.fail(409, WEBHOOK_ACTIVE);
    confirm(bot, int(body['offset']) ?? 0);
    const limit = Math.min(100, Math.max(1, int(body['limit']) ?? 100));
    const timeout = Math.max(0, int(body['timeout']) ?? 0);
    const ready = take(bot, limit);
    if (ready.length > 0 || timeout === 0 || res.destroyed) return answer.ok(ready);
    const poll: HeldPoll = {
      call,
      answer,
      limit,
      timer: setTimeout(() => endPoll(bot, (held) => held.answer.ok([])), timeout * 1000),
    };
    bot.poll = poll;
    res.on('close', () => {
      if (bot.poll !== poll) return;
      bot.poll = undefined;
      clearTimeout(poll.timer);
      call.status = 499;
      notify();
    });
    notify();
  };

  const sendMessage = (bot: BotState, token: string, chatId: number, body: Body, answer: Answer): void => {
    const checked = visibleText(body);
    if ('error' in checked) return answer.fail(400, checked.error);
    const { raw, text } = checked;
    const keyboard = readInlineKeyboard(body);
    if ('error' in keyboard) return answer.fail(400, keyboard.error);
    const customer = bot.customers.get(chatId) ?? { chatId };
    const message: Message = {
      message_id: nextMessageId(bot, chatId),
      from: bot.me,
      chat: privateChat(customer),
      date: unixNow(),
      text,
      ...(keyboard.markup?.inline_keyboard.length ? { reply_markup: keyboard.markup } : {}),
    };
    rememberSent(bot.keyboards, message);
    sentBodies.push({ token, body: { ...body, chat_id: chatId, text: raw } });
    answer.ok(message);
  };

  const dispatch = (
    bot: BotState,
    token: string,
    method: string,
    body: Body,
    call: RecordedCall,
    answer: Answer,
    res: ServerResponse,
  ): void => {
    let chatId = 0;
    if (/^(send|copy|forward)/.test(method)) {
      if (body['chat_id'] === undefined || body['chat_id'] === '')
        return answer.fail(400, 'Bad Request: chat_id is empty');
      const id = int(body['chat_id']);
      if (id === undefined) return answer.fail(400, 'Bad Request: chat not found'); // @channel names are not faked
      if (bot.blocked.has(id)) return answer.fail(403, 'Forbidden: bot was blocked by the user');
      chatId = id;
    }
    switch (method) {
      case 'getme':
        return answer.ok(bot.me);
      case 'getupdates':
        return getUpdates(bot, body, call, answer, res);
      case 'sendmessage':
        return sendMessage(bot, token, chatId, body, answer);
      case 'setwebhook': {
        const url = typeof body['url'] === 'string' ? body['url'] : '';
        const secretToken = typeof body['secret_token'] === 'string' ? body['secret_token'] : undefined;
        bot.webhook = url ? { url, ...(secretToken !== undefined ? { secretToken } : {}) } : undefined;
        if (bot.webhook) endPoll(bot, (poll) => poll.answer.fail(409, WEBHOOK_ACTIVE));
        return answer.ok(true);
      }
      case 'deletewebhook':
        bot.webhook = undefined;
        if (body['drop_pending_updates'] === true || body['drop_pending_updates'] === 'true')
          confirm(bot, Number.MAX_SAFE_INTEGER);
        return answer.ok(true);
      case 'getwebhookinfo':
        return answer.ok({
          url: bot.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: bot.pending.length,
        });
      case 'setmycommands': {
        const commands = jsonField(body['commands']);
        if (!Array.isArray(commands)) return answer.fail(400, 'Bad Request: parameter "commands" is required');
        bot.commands = commands
          .filter(isRecord)
          .map((c) => ({ command: String(c['command']), description: String(c['description']) }));
        return answer.ok(true);
      }
      case 'answercallbackquery': {
        const answered = answerCallback(bot.keyboards, body);
        return 'error' in answered ? answer.fail(400, answered.error) : answer.ok(true);
      }
      case 'editmessagereplymarkup': {
        const edited = editReplyMarkup(bot.keyboards, body);
        return 'error' in edited ? answer.fail(400, edited.error) : answer.ok(edited.result);
      }
      case 'getmycommands':
        return answer.ok(bot.commands);
      case 'deletemycommands':
        bot.commands = [];
        return answer.ok(true);
      case 'getfile': {
        const file = bot.files.get(String(body['file_id']));
        if (!file) return answer.fail(400, 'Bad Request: invalid file_id');
        return answer.ok({
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          file_size: file.bytes.length,
          file_path: file.file_path,
        });
      }
      default:
        return answer.ok(true); // sendChatAction, close, logOut and the rest: accepted and recorded
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const read = await readBody(req, url);
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    const route = file ?? /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
    if (!route)
      return void res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"ok":false,"error_code":404,"description":"Not Found"}');
    const token = decodeURIComponent(route[1] ?? '');
    const method = file ? 'downloadFile' : (route[2] ?? '');
    const body = file ? { file_path: route[2] } : 'body' in read ? read.body : {};
    const call: RecordedCall = { token, method, body, time: Date.now() };
    calls.push(call);
    for (const listener of callListeners) listener(call);
    notify();
    const answer = responder(res, call);
    if ('error' in read) return answer.fail(400, read.error);
    const bot = bots.get(token);
    if (!bot || bot.revoked) return answer.fail(401, 'Unauthorized');
    if (file) {
      const found = [...bot.files.values()].find((candidate) => candidate.file_path === route[2]);
      if (!found) return answer.fail(404, 'Not Found');
      res.writeHead(200, { 'content-type': found.contentType, 'content-length': found.bytes.length }).end(found.bytes);
      call.status = 200;
      return notify();
    }
    const failure = bot.failures.get(method.toLowerCase())?.shift();
    if (failure) {
      const retry = failure.retryAfter !== undefined ? `: retry after ${failure.retryAfter}` : '';
      return answer.fail(
        failure.status,
        failure.description ?? `${REASONS[failure.status] ?? 'Error'}${retry}`,
        failure.retryAfter,
      );
    }
    dispatch(bot, token, method.toLowerCase(), body, call, answer, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error_code: 500, description: `Fake error: ${String(error)}` }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    addBot(options) {
      const me = botIdentity(options.token, options);
      bots.set(options.token, {
        me,
        revoked: false,
        pending: [],
        confirmed: new Map(),
        redelivered: [],
        nextUpdateId: 10_000,
        messageIds: new Map(),
        customers: new Map(),
        blocked: new Set(),
        getUpdatesCount: 0,
        commands: [],
        failures: new Map(),
        files: new Map(),
        keyboards: newKeyboardState(),
      });
      return me;
    },
    revokeBot(token) {
      const bot = need(token);
      bot.revoked = true;
      endPoll(bot, (poll) => poll.answer.fail(401, 'Unauthorized'));
    },
    sendUpdate(token, update) {
      const bot = need(token);
      const id = update.update_id ?? bot.nextUpdateId;
      bot.nextUpdateId = Math.max(bot.nextUpdateId, id + 1);
      return push(bot, { ...update, update_id: id });
    },
    // Telegram marks a leading /command with a bot_command entity; grammY's command() matches on it.
    customerSays: (token, { text, ...customer }) => {
      const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
      return customerMessage(token, customer, {
        text,
        ...(command ? { entities: [{ type: 'bot_command' as const, offset: 0, length: command[0].length }] } : {}),
      });
    },
    customerSendsPhoto(token, { caption, ...customer }) {
      const bot = need(token);
      const sizes = [
        addFile(bot, 'photos', 'png', TINY_PNG, 'image/png'),
        addFile(bot, 'photos', 'png', TINY_PNG, 'image/png'),
      ];
      return customerMessage(
        token,
        customer,
        { photo: photoSizes(sizes), ...(caption !== undefined ? { caption } : {}) },
        bot,
      );
    },
    customerSendsVoice(token, { duration = 3, ...customer }) {
      const bot = need(token);
      return customerMessage(
        token,
        customer,
        { voice: voiceOf(addFile(bot, 'voice', 'oga', TINY_OGG, 'audio/ogg'), duration) },
        bot,
      );
    },
    customerSendsSticker(token, { emoji = '👍', ...customer }) {
      const bot = need(token);
      return customerMessage(
        token,
        customer,
        { sticker: stickerOf(addFile(bot, 'stickers', 'webp', TINY_WEBP, 'image/webp'), emoji) },
        bot,
      );
    },
    customerPresses(token, { data, messageId, ...customer }) {
      const bot = need(token);
      bot.customers.set(customer.chatId, { ...bot.customers.get(customer.chatId), ...customer });
      return push(bot, pressUpdate(bot.keyboards, bot.nextUpdateId++, customer, { data, messageId }));
    },
    callbackAnswered: (token, queryId) => need(token).keyboards.answered.has(queryId),
    blockBot(token, chatId) {
      const bot = need(token);
      bot.blocked.add(chatId);
      return push(bot, myChatMemberUpdate(bot.nextUpdateId++, bot.me, bot.customers.get(chatId) ?? { chatId }, true));
    },
    unblockBot(token, chatId) {
      const bot = need(token);
      bot.blocked.delete(chatId);
      return push(bot, myChatMemberUpdate(bot.nextUpdateId++, bot.me, bot.customers.get(chatId) ?? { chatId }, false));
    },
    redeliver(token, updateId) {
      const bot = need(token);
      const update = bot.confirmed.get(updateId);
      if (!update)
        throw new Error(`fake Telegram: update ${updateId} has not been confirmed by an offset above it yet`);
      bot.redelivered.push(update);
      wake(bot);
    },
    failNext(token, method, failure) {
      const failures = need(token).failures;
      const key = method.toLowerCase(); // Telegram method names are case-insensitive
      failures.set(key, [...(failures.get(key) ?? []), failure]);
    },
    sent: (token) =>
      sentBodies.filter((entry) => token === undefined || entry.token === token).map((entry) => entry.body),
    webhook: (token) => need(token).webhook,
    pollingNow: (token) => need(token).poll !== undefined,
    getUpdatesCount: (token) => need(token).getUpdatesCount,
    waitFor: (predicate, timeoutMs = 5_000) => waitUntil(() => calls.find(predicate), timeoutMs, 'matching call'),
    onCall(listener) {
      callListeners.add(listener);
      return () => callListeners.delete(listener);
    },
    waitForMessage(token, chatId, predicate = () => true, timeoutMs = 5_000) {
      const find = (): SentBody | undefined =>
        sentBodies.find((entry) => entry.token === token && entry.body.chat_id === chatId && predicate(entry.body))
          ?.body;
      return waitUntil(find, timeoutMs, `sendMessage to chat ${chatId}`);
    },
    async waitForPolling(token, timeoutMs = 5_000) {
      const bot = need(token);
      await waitUntil(() => bot.poll && true, timeoutMs, 'held getUpdates');
    },
    async waitForPollingStopped(token, timeoutMs = 5_000) {
      const bot = need(token);
      await waitUntil(() => (bot.poll ? undefined : true), timeoutMs, 'end of the held getUpdates');
    },
    async close() {
      for (const bot of bots.values()) endPoll(bot, (poll) => poll.answer.ok([]));
      failAll(new Error('fake Telegram closed while waiting'));
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections(); // grammY keeps connections alive; they would hold the server open
      await closed;
    },
  };
}
