// Chats and their messages. Every function takes the owner id first and filters by it.
import type { Knex } from 'knex';

export type Channel = 'telegram' | 'whatsapp' | 'web' | 'test';
export type Sender = 'customer' | 'ai' | 'owner';

export interface ChatRow {
  id: string;
  owner_id: string;
  channel: Channel;
  external_id: string;
  customer_name: string | null;
  bot_paused: boolean;
  needs_attention: boolean;
}

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

/** The chat for this customer on this channel, created on first contact. */
export async function findOrCreateChat(db: Knex, ownerId: string, channel: Channel, externalId: string, customer: Customer, integrationId?: string): Promise<ChatRow> {
  const [row] = await db('chats')
    .insert({ owner_id: ownerId, channel, external_id: externalId, integration_id: integrationId ?? null, customer_name: customer.name ?? null, customer_username: customer.username ?? null })
    .onConflict(['owner_id', 'channel', 'external_id'])
    .merge({ integration_id: db.raw('coalesce(excluded.integration_id, chats.integration_id)'), customer_name: db.raw('coalesce(excluded.customer_name, chats.customer_name)'), customer_username: db.raw('coalesce(excluded.customer_username, chats.customer_username)') })
    .returning<ChatRow[]>(['id', 'owner_id', 'channel', 'external_id', 'customer_name', 'bot_paused', 'needs_attention']);
  return row!;
}

/**
 * Stores a message; returns undefined when a message with the same external id was already stored
 * in this chat (a redelivery), so the caller answers it only once.
 */
export async function addMessage(
  db: Knex,
  ownerId: string,
  chatId: string,
  message: { sender: Sender; text: string; externalId?: string; sources?: unknown[]; promptTokens?: number; completionTokens?: number; replyToId?: string },
): Promise<StoredMessage | undefined> {
  // One statement (one round trip, atomic): store the message unless it is a redelivery, and only then
  // move the chat's last message and unread count.
  const rows = await db
    .with('inserted', (query) =>
      query
        .from('messages')
        .insert({
          owner_id: ownerId,
          chat_id: chatId,
          sender: message.sender,
          text: message.text,
          external_id: message.externalId ?? null,
          sources: JSON.stringify(message.sources ?? []),
          prompt_tokens: message.promptTokens ?? 0,
          completion_tokens: message.completionTokens ?? 0,
          reply_to_id: message.replyToId ?? null,
        })
        .onConflict(['chat_id', 'external_id'])
        .ignore()
        .returning(['id', 'text', 'sender', 'created_at']),
    )
    .with('touched', (query) =>
      query
        .from('chats')
        .where({ owner_id: ownerId, id: chatId })
        .whereExists((exists) => exists.select(db.raw('1')).from('inserted'))
        .update({
          last_message: message.text.slice(0, 500),
          last_message_at: db.raw('(select created_at from inserted)'),
          ...(message.sender === 'customer' ? { unread: db.raw('unread + 1') } : {}),
        }),
    )
    .from('inserted')
    .select<{ id: string | number; text: string; sender: Sender; created_at: Date }[]>('id', 'text', 'sender', 'created_at');
  const row = rows[0];
  return row ? { ...row, id: String(row.id) } : undefined;
}

/** The latest messages of a chat, oldest first, for the model's context. */
export async function recentMessages(db: Knex, ownerId: string, chatId: string, limit: number): Promise<StoredMessage[]> {
  const rows = await db('messages')
    .where({ owner_id: ownerId, chat_id: chatId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit)
    .select<{ id: string | number; text: string; sender: Sender; created_at: Date }[]>('id', 'text', 'sender', 'created_at');
  return rows.reverse().map((row) => ({ ...row, id: String(row.id) }));
}

export async function flagNeedsAttention(db: Knex, ownerId: string, chatId: string): Promise<void> {
  await db('chats').where({ owner_id: ownerId, id: chatId }).update({ needs_attention: true });
}
