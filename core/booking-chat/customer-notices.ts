// When the owner moves or cancels a customer's booking (the API, the console), the customer is told in
// the chat the booking came from, in their language, and the message joins the chat's history for the
// owner to see. A booking listener queues it as a job, so the owner's request does not wait for a
// channel, and a channel that is down is retried by the queue.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BookingChange, BookingHooks } from '../booking/booking-hooks.ts';
import { bookingLanguage } from '../booking/booking-phrases.ts';
import type { Channel } from '../conversations/chats.ts';
import { parseActions, type ChatAction } from '../conversations/chat-actions.ts';
import { ChannelRejectedError } from '../errors.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ReminderSender } from '../ports/reminder-sender.ts';
import { whenText } from './chat-time.ts';
import { chatWords } from './chat-words.ts';
import { bookingActionId, START_ACTION } from './flow-state.ts';
import { createFlowStore } from './flow-store.ts';

export const BOOKING_NOTICE_JOB = 'booking-notice';

export interface CustomerNoticesDeps {
  db: Knex;
  queue: JobQueue;
  sender: ReminderSender;
  logger: Logger;
  now?: () => Date;
}

export function createCustomerNotices(deps: CustomerNoticesDeps) {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const store = createFlowStore({ db });

  async function queue(event: 'moved' | 'cancelled', change: BookingChange): Promise<void> {
    const { booking, actor } = change;
    // The customer's own changes are answered in their chat already.
    if (actor.kind !== 'owner' || booking.source !== 'customer' || !booking.channel || !booking.chatRef) return;
    const owner = await db('owners').where({ id: booking.ownerId }).first<{ language: string } | undefined>('language');
    const words = chatWords(bookingLanguage(booking.language, owner?.language));
    const fields = { service: change.serviceName, when: whenText(booking.startsAt, change.timeZone, words.language) };
    const { labels } = words;
    const actions: ChatAction[] =
      event === 'moved'
        ? [
            { id: bookingActionId('coming', booking.id), label: labels.coming },
            { id: bookingActionId('move', booking.id), label: labels.move },
            { id: bookingActionId('ask-cancel', booking.id), label: labels.cancel },
          ]
        : [{ id: START_ACTION, label: labels.book }];
    await deps.queue.enqueue(
      BOOKING_NOTICE_JOB,
      {
        ownerId: booking.ownerId,
        channel: booking.channel,
        chatRef: booking.chatRef,
        text: words.say(event === 'moved' ? 'ownerMoved' : 'ownerCancelled', fields),
        actions: JSON.stringify(actions),
        language: words.language,
      },
      `notice:${booking.id}:${event}:${booking.updatedAt.getTime()}`,
    );
  }

  /** Plugs into the booking service's listeners. */
  const hooks: BookingHooks = {
    moved: (change) => queue('moved', change),
    cancelled: (change) => queue('cancelled', change),
  };

  async function handleJob(payload: Record<string, string>): Promise<void> {
    const { ownerId, channel, chatRef, text } = payload;
    if (!ownerId || !channel || !chatRef || !text) return;
    const actions = parseActions(payload.actions);
    const key = { ownerId, channel: channel as Channel, chatRef };
    try {
      await deps.sender.send(ownerId, { channel, chatRef }, text, actions);
    } catch (error) {
      if (!(error instanceof ChannelRejectedError)) throw error;
      // Retrying cannot help: the owner sees the chat flagged, and the notice in it, unsent.
      logger.warn({ err: error, ownerId }, 'the channel refused a booking notice; the chat is flagged');
      await record(key, text, actions, true);
      return;
    }
    await store.offer(key, actions, now(), payload.language ?? 'en');
    await record(key, text, actions, false);
  }

  /** The notice in the chat's history, as the assistant's message. */
  async function record(
    key: { ownerId: string; channel: Channel; chatRef: string },
    text: string,
    actions: ChatAction[],
    undelivered: boolean,
  ): Promise<void> {
    const chat = await db('chats')
      .where({ owner_id: key.ownerId, channel: key.channel, external_id: key.chatRef })
      .first<{ id: string } | undefined>('id');
    if (!chat) return;
    await db.transaction(async (trx) => {
      const [row] = await trx('messages')
        .insert({
          owner_id: key.ownerId,
          chat_id: chat.id,
          sender: 'ai',
          text,
          actions: JSON.stringify(actions),
        })
        .returning<{ created_at: Date }[]>('created_at');
      await trx('chats')
        .where({ owner_id: key.ownerId, id: chat.id })
        .update({
          last_message: text.slice(0, 500),
          last_message_at: row?.created_at ?? new Date(),
          ...(undelivered ? { needs_attention: true } : {}),
        });
    });
  }

  return { hooks, handleJob };
}
