// What the customer is told about their booking, from the language files (core/language-data).
import { DateTime } from 'luxon';
import { LANGUAGES, languageFile } from '../language-data/language-data.ts';

/** The customer's language when the booking has one the assistant speaks, else the owner's (else the fallback). */
export function bookingLanguage(customer: string | null | undefined, owner: string | null | undefined): string {
  if (customer && LANGUAGES.includes(customer)) return customer;
  return languageFile(owner ?? '').language;
}

/** "Tuesday, December 8 at 10:00": the day and time in the business's timezone, in the customer's language. */
export function spokenTime(at: Date, zone: string, language: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale(language).toLocaleString({
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

export function reminderText(language: string, fields: { service: string; when: string; business: string }): string {
  // Replacer functions: a "$&" in a service's name is text, not a replacement pattern.
  return languageFile(language)
    .booking.reminder.replace('{service}', () => fields.service)
    .replace('{when}', () => fields.when)
    .replace('{business}', () => fields.business);
}
