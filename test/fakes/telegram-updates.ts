// Telegram's wire rules and realistic payloads for the fake Telegram server, kept apart so the server reads as behaviour.
import type { IncomingMessage } from 'node:http';
import type { Chat, Message, PhotoSize, Sticker, Update, User, UserFromGetMe, Voice } from 'grammy/types';

export type Body = Record<string, unknown>;

export interface CustomerOptions {
  chatId: number;
  firstName?: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  /** Overrides the fake's per-chat message counter, e.g. to replay a message the bot has already seen. */
  messageId?: number;
}

/** A file a customer sent: the bot can resolve it with getFile and download its bytes. */
export interface FakeFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  bytes: Buffer;
  contentType: string;
}

export type MessageUpdate = Update & { update_id: number; message: Message & Update.NonChannel };

/** 1×1 transparent PNG: small, but a real image that image libraries accept. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** An Ogg page header and some padding: enough for a bot to store or forward a "voice note". */
export const TINY_OGG = Buffer.concat([Buffer.from('OggS\0\x02', 'latin1'), Buffer.alloc(58)]);

export const unixNow = (): number => Math.floor(Date.now() / 1000);

/** The numeric prefix of a bot token is the bot's user id, as in real tokens ("123456:ABC..."). */
export function botIdentity(
  token: string,
  options: { id?: number; username?: string; firstName?: string },
): UserFromGetMe {
  const fromToken = Number(token.split(':')[0]);
  const id =
    options.id ?? (Number.isSafeInteger(fromToken) && fromToken > 0 ? fromToken : 100_000 + (token.length % 1000));
  return {
    id,
    is_bot: true,
    first_name: options.firstName ?? 'Front Desk',
    username: options.username ?? `frontdesk_${id}_bot`,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
}

export function customerUser(customer: CustomerOptions): User {
  return {
    id: customer.chatId,
    is_bot: false,
    first_name: customer.firstName ?? 'Customer',
    ...(customer.lastName !== undefined ? { last_name: customer.lastName } : {}),
    ...(customer.username !== undefined ? { username: customer.username } : {}),
    ...(customer.languageCode !== undefined ? { language_code: customer.languageCode } : {}),
  };
}

/** In a private chat the chat id is the customer's user id, and the chat carries their names. */
export function privateChat(customer: CustomerOptions): Chat.PrivateChat {
  const { id, first_name, last_name, username } = customerUser(customer);
  return {
    id,
    type: 'private',
    first_name,
    ...(last_name !== undefined ? { last_name } : {}),
    ...(username !== undefined ? { username } : {}),
  };
}

type Content = Pick<Message, 'text' | 'entities' | 'caption' | 'photo' | 'voice' | 'sticker'>;

export function messageUpdate(
  updateId: number,
  messageId: number,
  customer: CustomerOptions,
  content: Content,
): MessageUpdate {
  return {
    update_id: updateId,
    message: {
      message_id: messageId,
      from: customerUser(customer),
      chat: privateChat(customer),
      date: unixNow(),
      ...content,
    },
  };
}

/** Telegram sends several sizes of one photo, smallest first; bots usually take the last. */
export function photoSizes(files: FakeFile[]): PhotoSize[] {
  return files.map((file, index) => ({
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    width: 90 * (index + 1) ** 2,
    height: 90 * (index + 1) ** 2,
    file_size: file.bytes.length,
  }));
}

/** What Telegram sends when a customer blocks (kicked) or restarts (member) the bot. */
export function myChatMemberUpdate(
  updateId: number,
  bot: UserFromGetMe,
  customer: CustomerOptions,
  blocked: boolean,
): Update {
  const member = { status: 'member' as const, user: bot };
  const kicked = { status: 'kicked' as const, user: bot, until_date: 0 };
  return {
    update_id: updateId,
    my_chat_member: {
      chat: privateChat(customer),
      from: customerUser(customer),
      date: unixNow(),
      old_chat_member: blocked ? member : kicked,
      new_chat_member: blocked ? kicked : member,
    },
  };
}

const HTML_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'tg-emoji',
  'code',
  'pre',
  'blockquote',
]);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, (_, name: string) => {
    if (!name.startsWith('#')) return ENTITIES[name.toLowerCase()] ?? '';
    return String.fromCodePoint(
      name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1)),
    );
  });
}

/**
 * Telegram's `parse_mode: 'HTML'` rules, so tests catch unescaped model output: only its tags, properly nested.
 * Returns the visible text (which the 4096 limit applies to) or Telegram's "can't parse entities" reason.
 */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const open: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)?[^<>]*>/y;
  let text = '';
  let at = 0;
  while (at < html.length) {
    const lt = html.indexOf('<', at);
    text += decodeEntities(html.slice(at, lt === -1 ? undefined : lt));
    if (lt === -1) break;
    tag.lastIndex = lt;
    const match = tag.exec(html);
    const name = match?.[2]?.toLowerCase() ?? '';
    const offset = Buffer.byteLength(html.slice(0, lt));
    const closing = match?.[1] === '/';
    if (!match || !HTML_TAGS.has(name))
      return { error: `Unsupported ${closing ? 'end' : 'start'} tag "${name}" at byte offset ${offset}` };
    if (!closing) open.push(name);
    else if (open.pop() !== name) return { error: `Unexpected end tag at byte offset ${offset}` };
    at = lt + match[0].length;
  }
  const unclosed = open.pop();
  return unclosed ? { error: `Can't find end tag corresponding to start tag "${unclosed}"` } : { text };
}

export const TERMINATED =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
export const WEBHOOK_ACTIVE =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};
/** 1×1 lossless WebP, the format of static stickers. */
export const TINY_WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');

export const isRecord = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** Form-encoded bodies carry numbers as strings; Telegram accepts both. */
export const int = (value: unknown): number | undefined => {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
};
export const jsonField = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

export async function readBody(req: IncomingMessage, url: URL): Promise<{ body: Body } | { error: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const query: Body = Object.fromEntries(url.searchParams);
  const type = req.headers['content-type'] ?? '';
  if (!raw) return { body: query };
  if (type.startsWith('application/x-www-form-urlencoded'))
    return { body: { ...query, ...Object.fromEntries(new URLSearchParams(raw)) } };
  if (!type.startsWith('application/json'))
    return { error: `Bad Request: the fake reads JSON or form bodies, not "${type}" (file uploads are not faked)` };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isRecord(parsed)) return { body: { ...query, ...parsed } };
  } catch {
    // answered below, like any body that is not a JSON object
  }
  return { error: "Bad Request: can't parse JSON object" };
}

export const voiceOf = (file: FakeFile, duration: number): Voice => ({
  file_id: file.file_id,
  file_unique_id: file.file_unique_id,
  duration,
  mime_type: 'audio/ogg',
  file_size: file.bytes.length,
});

export const stickerOf = (file: FakeFile, emoji: string): Sticker => ({
  file_id: file.file_id,
  file_unique_id: file.file_unique_id,
  type: 'regular',
  width: 512,
  height: 512,
  is_animated: false,
  is_video: false,
  emoji,
  file_size: file.bytes.length,
});

/** sendMessage's text rules: what the customer would see (after HTML parsing) must be 1..4096 characters. */
export function visibleText(body: Body): { raw: string; text: string } | { error: string } {
  const raw = typeof body['text'] === 'string' ? body['text'] : '';
  let text = raw;
  if (String(body['parse_mode']).toLowerCase() === 'html') {
    const parsed = parseTelegramHtml(raw);
    if ('error' in parsed) return { error: `Bad Request: can't parse entities: ${parsed.error}` };
    text = parsed.text;
  }
  if (text.trim() === '') return { error: 'Bad Request: message text is empty' };
  if (text.length > 4096) return { error: 'Bad Request: message is too long' };
  return { raw, text };
}

interface Waiter {
  /** Settles the waiter and returns true once its condition holds. */
  check(): boolean;
  fail(error: Error): void;
}

/** Promises that settle when `notify()` finds their condition true: the fake calls it on every change, so tests never poll. */
export function createWaiters(describe: () => string) {
  const waiters = new Set<Waiter>();
  const notify = (): void => {
    for (const waiter of [...waiters]) if (waiter.check()) waiters.delete(waiter);
  };
  const waitUntil = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (): boolean => {
        try {
          const found = find();
          if (found === undefined) return false;
          resolve(found);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
        clearTimeout(timer);
        return true;
      };
      if (settle()) return;
      const waiter: Waiter = {
        check: settle,
        fail(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
      timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`fake Telegram: no ${what} within ${timeoutMs} ms; calls seen:\n${describe()}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  const failAll = (error: Error): void => {
    for (const waiter of waiters) waiter.fail(error);
    waiters.clear();
  };
  return { notify, waitUntil, failAll };
}
