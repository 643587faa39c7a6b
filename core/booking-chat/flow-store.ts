// Where a chat's booking conversation is kept between messages (the booking_chats table): the guided
// flow's state, which expires if the customer walks away, and the choices last offered, which a bare
// number answers. In the database, so a restart or another process picks the conversation up.
import type { Knex } from 'knex';
import type { Channel } from '../conversations/chats.ts';
import { parseActions, type ChatAction } from '../conversations/chat-actions.ts';
import type { FlowState } from './flow-state.ts';

/** One customer's chat: the owner, the channel and the customer's id on it (as the booking's Actor). */
export interface ChatKey {
  ownerId: string;
  channel: Channel;
  chatRef: string;
}

/** A flow left this long is over: its buttons then say so. */
export const FLOW_TTL_MS = 6 * 60 * 60_000;
/** A bare number answers the choices offered within this time (a reminder's, a day before the visit). */
export const OFFERED_TTL_MS = 3 * 24 * 60 * 60_000;

export interface ChatState {
  flow?: FlowState;
  offered: ChatAction[];
  /** The language the chat was last answered in. */
  language?: string;
}

interface Row {
  flow: FlowState | string | null;
  flow_expires_at: Date | null;
  offered: unknown;
  offered_at: Date | null;
  language: string | null;
}

export type FlowStore = ReturnType<typeof createFlowStore>;

export function createFlowStore({ db }: { db: Knex }) {
  const where = (key: ChatKey) => ({ owner_id: key.ownerId, channel: key.channel, chat_ref: key.chatRef });

  return {
    async load(key: ChatKey, now: Date): Promise<ChatState> {
      const row = await db('booking_chats').where(where(key)).first<Row | undefined>();
      if (!row) return { offered: [] };
      const live = row.flow && row.flow_expires_at && row.flow_expires_at > now;
      const fresh = row.offered_at && row.offered_at.getTime() > now.getTime() - OFFERED_TTL_MS;
      return {
        ...(live ? { flow: typeof row.flow === 'string' ? JSON.parse(row.flow) : (row.flow as FlowState) } : {}),
        offered: fresh ? parseActions(row.offered) : [],
        ...(row.language ? { language: row.language } : {}),
      };
    },

    /** The flow's new state (null: over) and the choices just offered (empty: none). */
    async save(
      key: ChatKey,
      flow: FlowState | null,
      offered: ChatAction[],
      now: Date,
      language: string,
    ): Promise<void> {
      const values = {
        language,
        flow: flow ? JSON.stringify(flow) : null,
        flow_expires_at: flow ? new Date(now.getTime() + FLOW_TTL_MS) : null,
        offered: JSON.stringify(offered),
        offered_at: now,
        updated_at: now,
      };
      await db('booking_chats')
        .insert({ ...where(key), ...values })
        .onConflict(['owner_id', 'channel', 'chat_ref'])
        .merge(values);
    },

    /** Choices offered outside the flow (a reminder's buttons): the flow itself stays as it is. */
    async offer(key: ChatKey, offered: ChatAction[], now: Date, language: string): Promise<void> {
      const values = { offered: JSON.stringify(offered), offered_at: now, updated_at: now, language };
      await db('booking_chats')
        .insert({ ...where(key), ...values })
        .onConflict(['owner_id', 'channel', 'chat_ref'])
        .merge(values);
    },
  };
}
