// What the customer is told about their booking, in each language the assistant answers in.
import { DateTime } from 'luxon';
import type { Language } from '../assistant/language.ts';

export const BOOKING_PHRASES = {
  reminder: {
    ru: (service: string, when: string, business: string) => `Напоминаем о записи: ${service}, ${when}. ${business}`,
    uk: (service: string, when: string, business: string) => `Нагадуємо про запис: ${service}, ${when}. ${business}`,
    en: (service: string, when: string, business: string) =>
      `A reminder of your appointment: ${service}, ${when}. ${business}`,
  },
} satisfies Record<string, Record<Language, unknown>>;

export function bookingLanguage(value: string | null | undefined, fallback: Language): Language {
  return value === 'ru' || value === 'uk' || value === 'en' ? value : fallback;
}

/** "пятница, 11 декабря, 15:00": the day and time in the business's timezone, in the customer's language. */
export function spokenTime(at: Date, zone: string, language: Language): string {
  return DateTime.fromJSDate(at, { zone }).setLocale(language).toLocaleString({
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}
