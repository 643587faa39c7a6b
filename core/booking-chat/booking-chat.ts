// Booking in a customer's chat, as the assistant uses it: the guided flow (buttons, numbers, typed
// answers), the booking tools for a model, and the choices remembered per chat. Built once over the
// booking module; every call names the customer's chat, which is the Actor the booking service checks.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BookingModule } from '../booking/booking-module.ts';
import type { BookingRecord } from '../booking/bookings.ts';
import type { Channel } from '../conversations/chats.ts';
import type { ChatAction } from '../conversations/chat-actions.ts';
import { createAddressSource } from './business-address.ts';
import { createBookingTools, type BookingToolBox } from './booking-tools.ts';
import { chatWords } from './chat-words.ts';
import { bookingActionId } from './flow-state.ts';
import { createFlowStore, type ChatKey } from './flow-store.ts';
import type { CustomerActor } from './flow-steps.ts';
import { createGuidedFlow, type FlowOutcome } from './guided-flow.ts';

export interface ChatTurn {
  ownerId: string;
  channel: Channel;
  chatRef: string;
  /** The customer's name on the channel, if it gives one. */
  customerName?: string | null;
  language: string;
  /** The business's language, for what tells none (a command). */
  ownerLanguage: string;
  text: string;
  action?: string;
  hasModel: boolean;
}

export interface BookingChatDeps {
  db: Knex;
  booking: BookingModule;
  logger: Logger;
}

export type BookingChat = ReturnType<typeof createBookingChat>;

export function createBookingChat(deps: BookingChatDeps) {
  const { booking } = deps;
  const store = createFlowStore({ db: deps.db });
  const address = createAddressSource({ db: deps.db, settings: booking.settings });
  const flow = createGuidedFlow({ db: deps.db, booking, address, store, logger: deps.logger });
  const toolsFor = createBookingTools({ db: deps.db, booking, address, logger: deps.logger });

  const keyOf = (turn: Pick<ChatTurn, 'ownerId' | 'channel' | 'chatRef'>): ChatKey => ({
    ownerId: turn.ownerId,
    channel: turn.channel,
    chatRef: turn.chatRef,
  });
  const actorOf = (key: ChatKey): CustomerActor => ({ kind: 'customer', ...key });
  // The test chat's "customer" is the owner trying things out: no name to assume.
  const channelName = (turn: ChatTurn) => (turn.channel === 'test' ? undefined : turn.customerName || undefined);

  return {
    store,

    /** The flow's answer to this message, or `pass` (with the choices still open) for the assistant to answer. */
    async respond(turn: ChatTurn): Promise<FlowOutcome> {
      const key = keyOf(turn);
      const { timezone } = await booking.settings.get(turn.ownerId);
      return flow.respond(
        {
          key,
          actor: actorOf(key),
          now: booking.now(),
          channelName: channelName(turn),
          language: turn.language,
          ownerLanguage: turn.ownerLanguage,
          text: turn.text,
          action: turn.action,
          hasModel: turn.hasModel,
        },
        timezone,
      );
    },

    /** Booking tools for the model in this chat; undefined when the owner offers nothing to book. */
    tools(turn: ChatTurn): Promise<BookingToolBox | undefined> {
      return toolsFor(actorOf(keyOf(turn)), {
        language: turn.language,
        now: booking.now(),
        customerName: channelName(turn),
      });
    },

    /** Remembers choices offered outside the flow (the model's answer), so a bare number can answer them. */
    async offered(
      turn: Pick<ChatTurn, 'ownerId' | 'channel' | 'chatRef' | 'language'>,
      actions: ChatAction[],
    ): Promise<void> {
      if (actions.length > 0) await store.offer(keyOf(turn), actions, booking.now(), turn.language);
    },

    labelFor(turn: Pick<ChatTurn, 'ownerId' | 'channel' | 'chatRef' | 'language'>, id: string) {
      return flow.labelFor({ key: keyOf(turn), now: booking.now(), language: turn.language }, id);
    },

    /** A reminder's buttons (I'll come, move, cancel), remembered for the chat like any choices offered. */
    async reminderActions(record: BookingRecord, language: string): Promise<ChatAction[]> {
      if (!record.channel || !record.chatRef) return [];
      const { labels } = chatWords(language);
      const actions = [
        { id: bookingActionId('coming', record.id), label: labels.coming },
        { id: bookingActionId('move', record.id), label: labels.move },
        { id: bookingActionId('ask-cancel', record.id), label: labels.cancel },
      ];
      await store.offer(
        { ownerId: record.ownerId, channel: record.channel, chatRef: record.chatRef },
        actions,
        booking.now(),
        language,
      );
      return actions;
    },
  };
}
