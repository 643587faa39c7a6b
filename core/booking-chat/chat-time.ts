// Days and times as the customer sees them: in the business's timezone (whatever the customer's or the
// server's), in the customer's language, right across daylight-saving changes (luxon and ZoneClock
// work from instants, never by adding hours to wall-clock times).
import { DateTime } from 'luxon';
import { spokenTime } from '../booking/booking-phrases.ts';
import { nextDate, ZoneClock } from '../booking/zone-clock.ts';

/** "Tue, Dec 8" / "вт, 8 дек.": a button's label for a day. */
export function dayLabel(date: string, zone: string, language: string): string {
  return DateTime.fromISO(date, { zone })
    .setLocale(language)
    .toLocaleString({ weekday: 'short', day: 'numeric', month: 'short' });
}

/** "Tuesday, December 8": a day in a sentence. */
export function dayName(date: string, zone: string, language: string): string {
  return DateTime.fromISO(date, { zone })
    .setLocale(language)
    .toLocaleString({ weekday: 'long', day: 'numeric', month: 'long' });
}

/** "15:00", in the business's timezone at that instant. */
export function timeLabel(at: Date | string, zone: string): string {
  const instant = typeof at === 'string' ? DateTime.fromISO(at, { setZone: true }) : DateTime.fromJSDate(at);
  return instant.setZone(zone).toFormat('HH:mm');
}

/** A time that may be on another day than the one being talked about: "Wed, Dec 9 15:00". */
export function slotLabel(at: string, zone: string, language: string, sameDay?: string): string {
  const date = localDate(at, zone);
  return date === sameDay ? timeLabel(at, zone) : `${dayLabel(date, zone, language)} ${timeLabel(at, zone)}`;
}

/** "Tuesday, December 8 at 15:00": an appointment in a sentence. */
export function whenText(at: Date | string, zone: string, language: string): string {
  return spokenTime(typeof at === 'string' ? new Date(at) : at, zone, language);
}

/** The local date of an instant in the business's timezone. */
export function localDate(at: Date | string, zone: string): string {
  return new ZoneClock(zone).dateOf((typeof at === 'string' ? new Date(at) : at).getTime());
}

/** The instant of a local date and time (minutes after midnight) in the business's timezone. */
export function instantAt(date: string, minutes: number, zone: string): Date {
  return new Date(new ZoneClock(zone).instant(date, minutes));
}

export const addDays = (date: string, days: number): string => nextDate(date, days);
