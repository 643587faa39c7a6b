// Inline keyboards in the fake Telegram, from the Bot API reference: sendMessage's reply_markup is
// checked (a callback button's callback_data is 1-64 bytes, else BUTTON_DATA_INVALID), the messages a
// bot sent keep their keyboards, editMessageReplyMarkup changes one, a customer presses a button that
// is on a message (a callback_query update), and answerCallbackQuery answers a press once.
import type { CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update } from 'grammy/types';
import { customerUser, isRecord, jsonField, privateChat, type Body, type CustomerOptions } from './telegram-updates.ts';

export interface KeyboardState {
  /** What the bot sent, by chat and message id, with its keyboard as it is now. */
  messages: Map<string, Message>;
  /** Presses not answered yet (by callback query id), and those answered. */
  unanswered: Set<string>;
  answered: Set<string>;
  nextQueryId: number;
}

export const newKeyboardState = (): KeyboardState => ({
  messages: new Map(),
  unanswered: new Set(),
  answered: new Set(),
  nextQueryId: 1,
});

const messageKey = (chatId: number, messageId: number) => `${chatId}:${messageId}`;

/** reply_markup as sent (JSON, or a JSON string in a form body): an inline keyboard, or a Bot API error. */
export function readInlineKeyboard(body: Body): { markup?: InlineKeyboardMarkup } | { error: string } {
  if (body['reply_markup'] === undefined) return {};
  const markup = jsonField(body['reply_markup']);
  if (!isRecord(markup)) return { error: "Bad Request: can't parse reply keyboard markup JSON object" };
  if (!('inline_keyboard' in markup)) return {}; // reply keyboards and the rest are not faked
  const rows = markup['inline_keyboard'];
  if (!Array.isArray(rows) || !rows.every(Array.isArray))
    return { error: 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays' };
  for (const button of rows.flat() as unknown[]) {
    if (!isRecord(button) || typeof button['text'] !== 'string' || button['text'] === '')
      return { error: 'Bad Request: text buttons are unallowed in the inline keyboard' };
    const data = button['callback_data'];
    if (data !== undefined && (typeof data !== 'string' || data === '' || Buffer.byteLength(data) > 64))
      return { error: 'Bad Request: BUTTON_DATA_INVALID' };
  }
  return { markup: markup as unknown as InlineKeyboardMarkup };
}

export function rememberSent(state: KeyboardState, message: Message): void {
  state.messages.set(messageKey(message.chat.id, message.message_id), message);
}

/** editMessageReplyMarkup: the message's keyboard replaced (an empty one removes it). */
export function editReplyMarkup(state: KeyboardState, body: Body): { result: Message } | { error: string } {
  const chatId = Number(body['chat_id']);
  const messageId = Number(body['message_id']);
  const message = state.messages.get(messageKey(chatId, messageId));
  if (!message) return { error: 'Bad Request: message to edit not found' };
  const read = readInlineKeyboard(body);
  if ('error' in read) return read;
  const before = JSON.stringify(message.reply_markup?.inline_keyboard ?? []);
  const after = JSON.stringify(read.markup?.inline_keyboard ?? []);
  if (before === after)
    return {
      error:
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    };
  const edited: Message = { ...message, edit_date: Math.floor(Date.now() / 1000) };
  if (read.markup && read.markup.inline_keyboard.length > 0) edited.reply_markup = read.markup;
  else delete edited.reply_markup;
  state.messages.set(messageKey(chatId, messageId), edited);
  return { result: edited };
}

/** answerCallbackQuery: once per press, as Telegram refuses a second answer. */
export function answerCallback(state: KeyboardState, body: Body): { ok: true } | { error: string } {
  const id = String(body['callback_query_id'] ?? '');
  if (!state.unanswered.delete(id))
    return { error: 'Bad Request: query is too old and response timeout expired or query ID is invalid' };
  state.answered.add(id);
  return { ok: true };
}

const buttonsOf = (message: Message): InlineKeyboardButton[] => message.reply_markup?.inline_keyboard.flat() ?? [];

/**
 * A customer presses the button with this callback_data on the newest message to their chat that shows
 * it (or on message `messageId`). Throws when no message shows such a button: a customer can press
 * only what they see.
 */
export function pressUpdate(
  state: KeyboardState,
  updateId: number,
  customer: CustomerOptions,
  press: { data: string; messageId?: number },
): Update & { callback_query: CallbackQuery } {
  const candidates = [...state.messages.values()]
    .filter((message) => message.chat.id === customer.chatId)
    .filter((message) => press.messageId === undefined || message.message_id === press.messageId)
    .filter((message) =>
      buttonsOf(message).some((button) => 'callback_data' in button && button.callback_data === press.data),
    )
    .sort((a, b) => b.message_id - a.message_id);
  const message = candidates[0];
  if (!message) throw new Error(`fake Telegram: no message in chat ${customer.chatId} shows a button "${press.data}"`);
  const id = `${customer.chatId}${String(state.nextQueryId++).padStart(6, '0')}`;
  state.unanswered.add(id);
  return {
    update_id: updateId,
    callback_query: {
      id,
      from: customerUser(customer),
      message: { ...message, chat: privateChat(customer) } as CallbackQuery['message'] & Message,
      chat_instance: `-${customer.chatId}`,
      data: press.data,
    },
  };
}
