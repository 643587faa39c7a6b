// Reminders before a visit: a booking made or moved schedules a delayed job at start minus the lead
// time; when it runs it sends only if the booking is still confirmed at that very start and has not
// been reminded yet, so a cancelled or moved booking's old job does nothing and a job run twice sends once.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { ChannelRejectedError } from '../ports/channel.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ReminderSender } from '../ports/reminder-sender.ts';
import type { BookingHooks } from './booking-hooks.ts';
import { bookingLanguage, reminderText, spokenTime } from './booking-phrases.ts';
import type { BookingSettingsStore } from './booking-settings.ts';
import { claimReminder, findBooking, type BookingRecord } from './bookings.ts';
import type { ServiceCatalog } from './services.ts';

export const REMINDER_JOB = 'booking-reminder';

export interface ReminderDeps {
  db: Knex;
  queue: JobQueue;
  sender: ReminderSender;
  settings: BookingSettingsStore;
  services: ServiceCatalog;
  logger: Logger;
  now?: () => Date;
}

export function createReminders(deps: ReminderDeps) {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());

  async function schedule(booking: BookingRecord): Promise<void> {
    if (booking.source !== 'customer' || !booking.channel || !booking.chatRef) return;
    const { reminder_minutes: lead } = await deps.settings.get(booking.ownerId);
    if (lead === 0) return;
    const delayMs = booking.startsAt.getTime() - lead * 60_000 - now().getTime();
    // Booked closer to the visit than the lead time: the confirmation was just sent, a reminder would repeat it.
    if (delayMs <= 0) return;
    await deps.queue.enqueue(
      REMINDER_JOB,
      { ownerId: booking.ownerId, bookingId: booking.id, startsAt: booking.startsAt.toISOString() },
      `reminder:${booking.id}:${booking.startsAt.getTime()}`,
      { delayMs },
    );
  }

  /** Plugs into the booking service's listeners. */
  const hooks: BookingHooks = {
    booked: ({ booking }) => schedule(booking),
    moved: ({ booking }) => schedule(booking),
  };

  async function handleJob(payload: Record<string, string>): Promise<void> {
    const { ownerId, bookingId } = payload;
    const startsAt = new Date(payload.startsAt ?? '');
    if (!ownerId || !bookingId || Number.isNaN(startsAt.getTime())) {
      logger.warn({ job: REMINDER_JOB }, 'a reminder job without its booking was dropped');
      return;
    }
    const booking = await findBooking(db, ownerId, bookingId);
    if (!booking?.channel || !booking.chatRef) return;
    if (!(await claimReminder(db, ownerId, bookingId, startsAt))) return;
    const owner = await db('owners')
      .where({ id: ownerId })
      .first<{ salon_name: string; language: string; timezone: string }>('salon_name', 'language', 'timezone');
    const language = bookingLanguage(booking.language, owner?.language);
    const text = reminderText(language, {
      service: (await deps.services.name(ownerId, booking.serviceId)) ?? '',
      when: spokenTime(booking.startsAt, owner?.timezone ?? 'UTC', language),
      business: owner?.salon_name ?? '',
    });
    try {
      await deps.sender.send(ownerId, { channel: booking.channel, chatRef: booking.chatRef }, text);
      logger.info({ ownerId, bookingId }, 'booking reminder sent');
    } catch (error) {
      if (error instanceof ChannelRejectedError) {
        // Retrying cannot help (the bot is gone, WhatsApp's window is closed): the booking stays as it is.
        logger.warn({ err: error, ownerId, bookingId }, 'the channel refused a booking reminder');
        return;
      }
      // The channel may come back: free the claim so a retry of this job can send it.
      await db('bookings').where({ owner_id: ownerId, id: bookingId }).update({ reminder_sent_at: null });
      throw error;
    }
  }

  return { hooks, handleJob, schedule };
}
