// Chats and their messages. Every function takes the owner id first and filters by it.
import type { Knex } from 'knex';
import { preparedRaw } from '../prepared-statement.ts';

export type Channel = 'telegram' | 'whatsapp' | 'web' | 'test';
export type Sender = 'customer' | 'ai' | 'owner';

export interface StoredMessage {
  id: string;
  text: string;
  sender: Sender;
  created_at: Date;
}

export interface Customer {
  name?: string;
  username?: string;
}

export interface ReceivedMessage {
  chatId: string;
  botPaused: boolean;
  /** Undefined when a message with the same external id was already stored in this chat (a redelivery). */
  message?: StoredMessage;
}

/**
 * PostgreSQL text cannot hold U+0000. The API refuses it (422); a channel's customer cannot be told,
 * so their message is kept without it rather than lost to a failing insert.
 */
export function withoutNulBytes(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/**
 * Stores a customer's message in the chat for this customer on this channel, creating the chat on
 * first contact, in one statement (one round trip, atomic): the chat row is written once, with the
 * customer's latest name and, unless the message is a redelivery, its last message and unread count.
 */
export async function receiveCustomerMessage(
  db: Knex,
  ownerId: string,
  chat: { channel: Channel; externalId: string; customer: Customer; integrationId?: string },
  message: { text: string; externalId?: string },
): Promise<ReceivedMessage> {
  const text = withoutNulBytes(message.text);
  const preview = text.slice(0, 500);
  const name = chat.customer.name === undefined ? null : withoutNulBytes(chat.customer.name);
  const username = chat.customer.username === undefined ? null : withoutNulBytes(chat.customer.username);
  const externalId = withoutNulBytes(chat.externalId);
  const integrationId = chat.integrationId ?? null;
  const sql = `
    with existing as (
      select id, bot_paused from chats where owner_id = ? and channel = ? and external_id = ?
    ), created as (
      insert into chats (owner_id, channel, external_id, integration_id, customer_name, customer_username, unread, last_message, last_message_at)
      select ?::uuid, ?::text, ?::text, ?::uuid, ?::text, ?::text, 1, ?::text, now() where not exists (select 1 from existing)
      on conflict (owner_id, channel, external_id) do nothing
      returning id, bot_paused
    ), chat as (
      select id, bot_paused from existing union all select id, bot_paused from created
    ), inserted as (
      insert into messages (owner_id, chat_id, sender, text, external_id)
      select ?::uuid, chat.id, 'customer', ?::text, ?::text from chat
      on conflict (chat_id, external_id) do nothing
      returning id, chat_id, text, created_at
    ), touched as (
      update chats set
        integration_id = coalesce(?::uuid, chats.integration_id),
        customer_name = coalesce(?::text, chats.customer_name),
        customer_username = coalesce(?::text, chats.customer_username),
        last_message = case when inserted.id is null then chats.last_message else ?::text end,
        last_message_at = coalesce(inserted.created_at, chats.last_message_at),
        unread = chats.unread + case when inserted.id is null then 0 else 1 end
      from existing left join inserted on inserted.chat_id = existing.id
      where chats.owner_id = ? and chats.id = existing.id
    )
    select chat.id as chat_id, chat.bot_paused, inserted.id as message_id, inserted.text, inserted.created_at
      from chat left join inserted on inserted.chat_id = chat.id`;
  const bindings = [
    ownerId,
    chat.channel,
    externalId,
    ownerId,
    chat.channel,
    externalId,
    integrationId,
    name,
    username,
    preview,
    ownerId,
    text,
    message.externalId === undefined ? null : withoutNulBytes(message.externalId),
    integrationId,
    name,
    username,
    preview,
    ownerId,
  ];
  // Two first messages of a new customer at once: the one whose chat insert lost the race sees no chat
  // in its snapshot and stores nothing; a second attempt finds the chat the other one created.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await preparedRaw(db, sql, bindings);
    const row = result.rows[0] as
      | { chat_id: string; bot_paused: boolean; message_id: null }
      | { chat_id: string; bot_paused: boolean; message_id: string | number; text: string; created_at: Date }
      | undefined;
    if (!row) continue;
    return {
      chatId: row.chat_id,
      botPaused: row.bot_paused,
      ...(row.message_id === null
        ? {}
        : {
            message: {
              id: String(row.message_id),
              text: row.text,
              sender: 'customer' as const,
              created_at: row.created_at,
            },
          }),
    };
  }
  throw new Error('the chat could not be created or found');
}

/**
 * Stores the owner's own message in the chat, moving the chat's last message and clearing its
 * needs-attention flag (the owner has answered), in one statement.
 */
export async function addOwnerMessage(db: Knex, ownerId: string, chatId: string, text: string): Promise<StoredMessage> {
  const rows = await db
    .with('inserted', (query) =>
      query
        .from('messages')
        .insert({ owner_id: ownerId, chat_id: chatId, sender: 'owner', text })
        .returning(['id', 'text', 'sender', 'created_at']),
    )
    .with('touched', (query) =>
      query
        .from('chats')
        .where({ owner_id: ownerId, id: chatId })
        .update({
          last_message: text.slice(0, 500),
          last_message_at: db.raw('(select created_at from inserted)'),
          needs_attention: false,
        }),
    )
    .from('inserted')
    .select<{ id: string | number; text: string; sender: Sender; created_at: Date }[]>(
      'id',
      'text',
      'sender',
      'created_at',
    );
  const row = rows[0]!;
  return { ...row, id: String(row.id) };
}
