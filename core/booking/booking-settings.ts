// Each owner's booking rules, and the secret that names their calendar feed. The row is made on first
// use with defaults, so every owner has settings (and a feed) before setting anything.
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { SecretBox } from '../crypto/secret-box.ts';
import { InvalidError } from '../errors.ts';
import { isTimeZone } from './time-zone.ts';
import { DEFAULT_HOURS, type DateExceptions, type WeeklyHours } from './working-hours.ts';

export interface BookingSettings {
  /** The account's IANA timezone (owners.timezone): changing it here changes it there. */
  timezone: string;
  slot_minutes: number;
  min_notice_minutes: number;
  horizon_days: number;
  hours: WeeklyHours;
  exceptions: DateExceptions;
  /** How long before a visit the customer is reminded; 0: no reminders. */
  reminder_minutes: number;
}

export type BookingSettingsUpdate = Partial<BookingSettings>;

interface SettingsRow {
  slot_minutes: number;
  min_notice_minutes: number;
  horizon_days: number;
  hours: WeeklyHours;
  exceptions: DateExceptions;
  reminder_minutes: number;
  ics_token_sealed: string;
  timezone: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

export type BookingSettingsStore = ReturnType<typeof createBookingSettingsStore>;

export function createBookingSettingsStore({ db, secretBox }: { db: Knex; secretBox: SecretBox }) {
  async function ensureRow(ownerId: string): Promise<void> {
    const token = newToken();
    await db('booking_settings')
      .insert({
        owner_id: ownerId,
        hours: JSON.stringify(DEFAULT_HOURS),
        ics_token_sealed: secretBox.encrypt(token),
        ics_token_hash: hashToken(token),
      })
      .onConflict('owner_id')
      .ignore();
  }

  async function load(ownerId: string): Promise<SettingsRow> {
    const read = () =>
      db('booking_settings')
        .join('owners', 'owners.id', 'booking_settings.owner_id')
        .where('booking_settings.owner_id', ownerId)
        .first<SettingsRow | undefined>('booking_settings.*', 'owners.timezone');
    let row = await read();
    if (!row) {
      await ensureRow(ownerId);
      row = await read();
    }
    if (!row) throw new Error(`owner ${ownerId} has no account row`);
    return row;
  }

  const view = (row: SettingsRow): BookingSettings => ({
    timezone: row.timezone,
    slot_minutes: row.slot_minutes,
    min_notice_minutes: row.min_notice_minutes,
    horizon_days: row.horizon_days,
    hours: row.hours,
    exceptions: row.exceptions,
    reminder_minutes: row.reminder_minutes,
  });

  return {
    async get(ownerId: string): Promise<BookingSettings> {
      return view(await load(ownerId));
    },

    async update(ownerId: string, update: BookingSettingsUpdate): Promise<BookingSettings> {
      if (update.timezone !== undefined && !isTimeZone(update.timezone))
        throw new InvalidError('Unknown time zone', [
          { loc: ['body', 'timezone'], msg: 'Unknown IANA time zone', type: 'value_error' },
        ]);
      await ensureRow(ownerId);
      const { timezone, hours, exceptions, ...numbers } = update;
      await db.transaction(async (trx) => {
        if (timezone !== undefined)
          await trx('owners').where({ id: ownerId }).update({ timezone, updated_at: new Date() });
        await trx('booking_settings')
          .where({ owner_id: ownerId })
          .update({
            ...numbers,
            ...(hours ? { hours: JSON.stringify(hours) } : {}),
            ...(exceptions ? { exceptions: JSON.stringify(exceptions) } : {}),
            updated_at: new Date(),
          });
      });
      return view(await load(ownerId));
    },

    /** The feed's secret token, for the owner's own view of its URL. */
    async feedToken(ownerId: string): Promise<string> {
      return secretBox.decrypt((await load(ownerId)).ics_token_sealed);
    },

    /** A new secret: the old feed URL stops working at once. */
    async rotateFeedToken(ownerId: string): Promise<string> {
      await ensureRow(ownerId);
      const token = newToken();
      await db('booking_settings')
        .where({ owner_id: ownerId })
        .update({
          ics_token_sealed: secretBox.encrypt(token),
          ics_token_hash: hashToken(token),
          updated_at: new Date(),
        });
      return token;
    },

    /** The owner a feed token belongs to (by its hash: the token itself is never in a query). */
    async ownerOfFeed(token: string): Promise<string | undefined> {
      const row = await db('booking_settings')
        .where({ ics_token_hash: hashToken(token) })
        .first<{ owner_id: string } | undefined>('owner_id');
      return row?.owner_id;
    },
  };
}
