// Builds the booking parts over one database: settings, services, staff, the booking service with its
// hooks (reminders first among the listeners), the calendar feed and the price-list suggestions.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ReminderSender } from '../ports/reminder-sender.ts';
import type { BookingHooks, ExternalBusySource } from './booking-hooks.ts';
import { createBookingService } from './booking-service.ts';
import { createBookingSettingsStore } from './booking-settings.ts';
import { bookingsFeed } from './ics-feed.ts';
import { createReminders } from './reminders.ts';
import { suggestServices } from './service-suggestions.ts';
import { createServiceCatalog } from './services.ts';
import { createStaffDirectory } from './staff.ts';

export interface BookingModuleDeps {
  db: Knex;
  secretBox: SecretBox;
  queue: JobQueue;
  logger: Logger;
  reminderSender: ReminderSender;
  /** An external calendar's busy time (Google), when one is connected. */
  externalBusy?: ExternalBusySource;
  /** Calendar writers (must succeed) and further listeners (notifications). */
  writers?: BookingHooks[];
  listeners?: BookingHooks[];
  now?: () => Date;
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
  });
  const bookings = createBookingService({
    db: deps.db,
    logger: deps.logger,
    settings,
    services,
    staff,
    externalBusy: deps.externalBusy,
    hooks: { writers: deps.writers ?? [], listeners: [reminders.hooks, ...(deps.listeners ?? [])] },
    now,
  });
  return {
    settings,
    services,
    staff,
    bookings,
    reminders,
    now,
    /** The feed of the owner whose secret token this is; undefined for any other token. */
    async feed(token: string): Promise<string | undefined> {
      const ownerId = await settings.ownerOfFeed(token);
      return ownerId ? bookingsFeed(deps.db, ownerId, now()) : undefined;
    },
    suggestions: (ownerId: string) => suggestServices(deps.db, ownerId),
  };
}
