// Builds the booking parts over one database: settings, services, staff, the booking service with its
// hooks (the Google Calendar writer first among the writers, reminders first among the listeners), the
// connected calendars' busy time and sync, the calendar feed and the price-list suggestions.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import type { ReminderSender } from '../ports/reminder-sender.ts';
import type { BookingHooks, ExternalBusySource } from './booking-hooks.ts';
import { createBookingService, type BookingService } from './booking-service.ts';
import { createCalendarBusy, type CalendarAccess } from './calendar-busy.ts';
import { createCalendarSync, type CalendarSync } from './calendar-sync.ts';
import { createCalendarWriter } from './calendar-writer.ts';
import { createBookingSettingsStore } from './booking-settings.ts';
import { bookingsFeed } from './ics-feed.ts';
import { createReminders } from './reminders.ts';
import { suggestServices } from './service-suggestions.ts';
import { createServiceCatalog } from './services.ts';
import { createStaffDirectory } from './staff.ts';
import type { BookingRecord } from './bookings.ts';
import type { ChatAction } from '../conversations/chat-actions.ts';

export interface BookingModuleDeps {
  db: Knex;
  secretBox: SecretBox;
  queue: JobQueue;
  logger: Logger;
  reminderSender: ReminderSender;
  /** An external calendar's busy time; by default the connected calendars' (with `calendars`). */
  externalBusy?: ExternalBusySource;
  /**
   * The owners' connected calendars (Google): with them, bookings are written into the calendar, its busy
   * time is subtracted from availability and its changes are synced back. `store` holds the sync's lease.
   */
  calendars?: CalendarAccess;
  store?: KeyValueStore;
  calendarSync?: { intervalMs: number; freshMs: number };
  /** Calendar writers (must succeed) and further listeners (notifications). */
  writers?: BookingHooks[];
  listeners?: BookingHooks[];
  now?: () => Date;
  /** Buttons under a reminder (the booking chat's: confirm, move, cancel). */
  reminderActions?: (booking: BookingRecord, language: string) => Promise<ChatAction[]>;
}

export type BookingModule = ReturnType<typeof createBookingModule>;

export function createBookingModule(deps: BookingModuleDeps) {
  const now = deps.now ?? (() => new Date());
  const settings = createBookingSettingsStore({ db: deps.db, secretBox: deps.secretBox });
  const services = createServiceCatalog({ db: deps.db });
  const staff = createStaffDirectory({ db: deps.db });
  const reminders = createReminders({
    db: deps.db,
    queue: deps.queue,
    sender: deps.reminderSender,
    settings,
    services,
    logger: deps.logger,
    now,
    actionsFor: deps.reminderActions,
  });
  const writers = [...(deps.writers ?? [])];
  let externalBusy = deps.externalBusy;
  let calendarSync: CalendarSync | undefined;
  // The sync applies the owner's changes through the booking service, which is built below.
  let built: BookingService | undefined;
  if (deps.calendars) {
    if (!deps.store) throw new Error('booking with calendars needs the key/value store (the sync lease)');
    const writer = createCalendarWriter({ db: deps.db, calendars: deps.calendars, staff, logger: deps.logger });
    // First among the writers: nothing else runs for a booking the calendar did not take.
    writers.unshift(writer.hooks);
    const sync = createCalendarSync({
      db: deps.db,
      store: deps.store,
      queue: deps.queue,
      calendars: deps.calendars,
      writer,
      settings,
      services,
      logger: deps.logger,
      now,
      intervalMs: deps.calendarSync?.intervalMs ?? 120_000,
      freshMs: deps.calendarSync?.freshMs ?? 30_000,
      bookings: () => {
        if (!built) throw new Error('the booking service is not built yet');
        return built;
      },
    });
    calendarSync = sync;
    externalBusy ??= createCalendarBusy({
      db: deps.db,
      calendars: deps.calendars,
      logger: deps.logger,
      ensureFresh: (ownerId, calendar) => sync.ensureFresh(ownerId, calendar),
    });
  }
  const bookings = createBookingService({
    db: deps.db,
    logger: deps.logger,
    settings,
    services,
    staff,
    externalBusy,
    hooks: { writers, listeners: [reminders.hooks, ...(deps.listeners ?? [])] },
    now,
  });
  built = bookings;
  return {
    settings,
    services,
    staff,
    bookings,
    reminders,
    /** Google Calendar sync (with `calendars`): `start()` in a worker, `sync(calendar)` on demand. */
    calendarSync,
    now,
    /** The feed of the owner whose secret token this is; undefined for any other token. */
    async feed(token: string): Promise<string | undefined> {
      const ownerId = await settings.ownerOfFeed(token);
      return ownerId ? bookingsFeed(deps.db, ownerId, now()) : undefined;
    },
    suggestions: (ownerId: string) => suggestServices(deps.db, ownerId),
  };
}
