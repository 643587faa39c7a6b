// The owner's view of conversations: the list with unread counts, one chat's messages (reading it
// marks it read), the take-over switch, and the owner's own replies through the chat's channel.
import type { Knex } from 'knex';
import type { OwnerReplySender } from '../ports/channel.ts';
import { InvalidError, NotFoundError, UnavailableError, ChannelRejectedError } from '../errors.ts';
import { addOwnerMessage, type Channel, type Sender } from './chats.ts';

export interface ChatSummary {
  id: string;
  customer_name: string;
  channel: Channel;
  last_message: string | null;
  timestamp: string | null;
  unread: number;
  bot_paused: boolean;
  needs_attention: boolean;
  customer_blocked: boolean;
}

export interface ChatDetail {
  id: string;
  customer_name: string;
  channel: Channel;
  bot_paused: boolean;
  needs_attention: boolean;
  messages: { id: string; text: string; sender: Sender; timestamp: string }[];
}

interface ChatRow {
  id: string;
  customer_name: string | null;
  customer_username: string | null;
  channel: Channel;
  external_id: string;
  integration_id: string | null;
  last_message: string | null;
  last_message_at: Date | null;
  unread: number;
  bot_paused: boolean;
  needs_attention: boolean;
  customer_blocked: boolean;
}

const displayName = (row: ChatRow) =>
  row.customer_name ?? (row.customer_username ? `@${row.customer_username}` : 'Customer');

export type HistoryService = ReturnType<typeof createHistoryService>;

export function createHistoryService({ db, sender }: { db: Knex; sender: OwnerReplySender }) {
  async function ownChat(ownerId: string, chatId: string): Promise<ChatRow> {
    const row = await db('chats').where({ owner_id: ownerId, id: chatId }).first<ChatRow | undefined>();
    if (!row) throw new NotFoundError('Chat not found');
    return row;
  }

  return {
    async list(
      ownerId: string,
      page: number,
      pageSize: number,
      filter: { needsAttention?: boolean } = {},
    ): Promise<{ items: ChatSummary[]; total: number; page: number; page_size: number }> {
      const chats = () =>
        db('chats').where({
          owner_id: ownerId,
          ...(filter.needsAttention === undefined ? {} : { needs_attention: filter.needsAttention }),
        });
      const [rows, count] = await Promise.all([
        chats()
          .orderByRaw('last_message_at desc nulls last, id')
          .limit(pageSize)
          .offset((page - 1) * pageSize)
          .select<ChatRow[]>(),
        chats().count<{ count: string | number }[]>({ count: '*' }).first(),
      ]);
      return {
        items: rows.map((row) => ({
          id: row.id,
          customer_name: displayName(row),
          channel: row.channel,
          last_message: row.last_message,
          timestamp: row.last_message_at ? row.last_message_at.toISOString() : null,
          unread: row.unread,
          bot_paused: row.bot_paused,
          needs_attention: row.needs_attention,
          customer_blocked: row.customer_blocked,
        })),
        total: Number(count?.count ?? 0),
        page,
        page_size: pageSize,
      };
    },

    async get(ownerId: string, chatId: string, limit = 200): Promise<ChatDetail> {
      const row = await ownChat(ownerId, chatId);
      const messages = await db('messages')
        .where({ owner_id: ownerId, chat_id: chatId })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit)
        .select<{ id: string | number; text: string; sender: Sender; created_at: Date }[]>(
          'id',
          'text',
          'sender',
          'created_at',
        );
      await db('chats').where({ owner_id: ownerId, id: chatId }).update({ unread: 0 });
      return {
        id: row.id,
        customer_name: displayName(row),
        channel: row.channel,
        bot_paused: row.bot_paused,
        needs_attention: row.needs_attention,
        messages: messages.reverse().map((message) => ({
          id: String(message.id),
          text: message.text,
          sender: message.sender,
          timestamp: message.created_at.toISOString(),
        })),
      };
    },

    /** Pausing hands the chat to the owner; unpausing hands it back and clears the attention flag. */
    async setPaused(ownerId: string, chatId: string, paused: boolean): Promise<{ id: string; bot_paused: boolean }> {
      await ownChat(ownerId, chatId);
      await db('chats')
        .where({ owner_id: ownerId, id: chatId })
        .update({ bot_paused: paused, ...(paused ? {} : { needs_attention: false }) });
      return { id: chatId, bot_paused: paused };
    },

    async reply(
      ownerId: string,
      chatId: string,
      text: string,
    ): Promise<{ id: string; text: string; sender: Sender; timestamp: string }> {
      const row = await ownChat(ownerId, chatId);
      try {
        await sender.send(ownerId, row, text);
      } catch (error) {
        if (error instanceof ChannelRejectedError)
          throw new InvalidError(`The message could not be delivered: ${error.message}`, undefined, { cause: error });
        throw new UnavailableError('The channel cannot be reached right now; the message was not sent, try again', {
          cause: error,
        });
      }
      const stored = await addOwnerMessage(db, ownerId, chatId, text);
      return { id: stored.id, text, sender: 'owner', timestamp: stored.created_at.toISOString() };
    },
  };
}
