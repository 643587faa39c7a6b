// Stores an AI answer in one statement: the model's usage (always: the call was made and billed), and,
// only if the customer message it answers is still the chat's newest, the answer itself with the chat's
// last message and, when the assistant handed over, the chat's needs-attention flag.
import type { Knex } from 'knex';
import type { UsageRow } from '../usage/usage-service.ts';
import { preparedRaw } from '../prepared-statement.ts';

export interface AnswerToStore {
  text: string;
  sources: unknown[];
  promptTokens: number;
  completionTokens: number;
  /** The newest customer message this answer answers. */
  replyToId: string;
  needsAttention: boolean;
  usage?: UsageRow;
  /** The choices the answer offers (buttons), stored with it for the channel and the history. */
  actions?: unknown[];
}

/** Returns the stored answer's time, or undefined when a newer customer message arrived meanwhile. */
export async function storeAnswerIfLatest(
  db: Knex,
  ownerId: string,
  chatId: string,
  answer: AnswerToStore,
): Promise<{ id: string; createdAt: Date } | undefined> {
  const usage = answer.usage
    ? `, usage as (insert into usage_events (owner_id, kind, model, prompt_tokens, completion_tokens, cost_usd) values (?, ?, ?, ?, ?, ?))`
    : '';
  const usageBindings = answer.usage
    ? [
        answer.usage.owner_id,
        answer.usage.kind,
        answer.usage.model,
        answer.usage.prompt_tokens,
        answer.usage.completion_tokens,
        answer.usage.cost_usd,
      ]
    : [];
  const result = await preparedRaw(
    db,
    `with inserted as (
       insert into messages (owner_id, chat_id, sender, text, sources, prompt_tokens, completion_tokens, reply_to_id, actions)
       select ?::uuid, ?::uuid, 'ai', ?::text, ?::jsonb, ?::int, ?::int, ?::bigint, ?::jsonb
        where (select max(id) from messages where owner_id = ? and chat_id = ? and sender = 'customer') = ?::bigint
       returning id, created_at
     ), touched as (
       update chats set last_message = ?, last_message_at = inserted.created_at, needs_attention = needs_attention or ?::boolean
         from inserted
        where chats.owner_id = ? and chats.id = ?
     )${usage}
     select id, created_at from inserted`,
    [
      ownerId,
      chatId,
      answer.text,
      JSON.stringify(answer.sources),
      answer.promptTokens,
      answer.completionTokens,
      answer.replyToId,
      answer.actions?.length ? JSON.stringify(answer.actions) : null,
      ownerId,
      chatId,
      answer.replyToId,
      answer.text.slice(0, 500),
      answer.needsAttention,
      ownerId,
      chatId,
      ...usageBindings,
    ],
  );
  const row = result.rows[0] as { id: string | number; created_at: Date } | undefined;
  return row ? { id: String(row.id), createdAt: row.created_at } : undefined;
}
