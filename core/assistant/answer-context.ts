// What answering a chat needs from the database, read in one statement: the chat's pause switch, the
// owner's prompt, salon name and language, the customer messages not answered yet, and the recent
// history for the model.
import type { Knex } from 'knex';
import type { Channel, Sender } from '../conversations/chats.ts';
import type { Language } from './language.ts';
import { preparedRaw } from '../prepared-statement.ts';

export interface AnswerContext {
  botPaused: boolean;
  /** The chat's channel and the customer's id on it (whose bookings these are). */
  channel: Channel;
  chatRef: string;
  customerName: string | null;
  prompt: string | null;
  salonName: string;
  language: Language;
  /**
   * The customer messages not answered yet, oldest first: after the newest one an AI reply answered
   * (`reply_to_id`) and after the owner's last message. An AI reply's own id does not count: a
   * customer message may have arrived while it was being prepared.
   */
  burst: { id: string; text: string; action?: string | null }[];
  /** The chat's latest messages, oldest first (empty unless asked for). */
  history: { id: string; text: string; sender: Sender }[];
}

export async function loadAnswerContext(
  db: Knex,
  ownerId: string,
  chatId: string,
  historyLimit: number,
): Promise<AnswerContext | undefined> {
  const history =
    historyLimit > 0
      ? `coalesce((select json_agg(json_build_object('id', h.id::text, 'text', h.text, 'sender', h.sender) order by h.created_at, h.id)
         from (select id, text, sender, created_at from messages where owner_id = ch.owner_id and chat_id = ch.id
                order by created_at desc, id desc limit ${Math.floor(historyLimit)}) h), '[]'::json)`
      : `'[]'::json`;
  const result = await preparedRaw(
    db,
    `select ch.bot_paused, ch.channel, ch.external_id, ch.customer_name, o.prompt, o.salon_name, o.language,
            coalesce((select json_agg(json_build_object('id', m.id::text, 'text', m.text, 'action', m.action) order by m.id)
                        from messages m
                       where m.owner_id = ch.owner_id and m.chat_id = ch.id and m.sender = 'customer'
                         and m.id > (select coalesce(max(case when a.sender = 'ai' then coalesce(a.reply_to_id, a.id) else a.id end), 0)
                                       from messages a
                                      where a.owner_id = ch.owner_id and a.chat_id = ch.id and a.sender in ('ai', 'owner'))), '[]'::json) as burst,
            ${history} as history
       from chats ch join owners o on o.id = ch.owner_id
      where ch.owner_id = ? and ch.id = ?`,
    [ownerId, chatId],
  );
  const row = result.rows[0] as
    | {
        bot_paused: boolean;
        channel: Channel;
        external_id: string;
        customer_name: string | null;
        prompt: string | null;
        salon_name: string;
        language: Language;
        burst: AnswerContext['burst'];
        history: AnswerContext['history'];
      }
    | undefined;
  if (!row) return undefined;
  return {
    botPaused: row.bot_paused,
    channel: row.channel,
    chatRef: row.external_id,
    customerName: row.customer_name,
    prompt: row.prompt,
    salonName: row.salon_name,
    language: row.language,
    burst: row.burst,
    history: row.history,
  };
}
