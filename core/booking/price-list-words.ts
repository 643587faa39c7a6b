// The column names a price list uses for a service's name, price and duration, and the units of a
// duration, in each language the product reads. Matched against lower-cased header text.
import type { Language } from '../assistant/language.ts';

export const PRICE_LIST_WORDS = {
  name: {
    ru: ['услуга', 'наименование', 'название', 'процедура', 'вид работ'],
    uk: ['послуга', 'найменування', 'назва', 'процедура'],
    en: ['service', 'name', 'treatment', 'procedure', 'item'],
  },
  price: {
    ru: ['цена', 'стоимость', 'прайс'],
    uk: ['ціна', 'вартість'],
    en: ['price', 'cost', 'fee', 'rate'],
  },
  duration: {
    ru: ['длительность', 'продолжительность', 'время'],
    uk: ['тривалість', 'час'],
    en: ['duration', 'time', 'length'],
  },
  // Whole words (after the number or in the header) that make a duration's number minutes or hours.
  minutes: {
    ru: ['мин', 'минут', 'минуты', 'минута'],
    uk: ['хв', 'хвилин', 'хвилини'],
    en: ['min', 'mins', 'minute', 'minutes', 'm'],
  },
  hours: {
    ru: ['ч', 'час', 'часа', 'часов'],
    uk: ['год', 'година', 'години', 'годин'],
    en: ['h', 'hr', 'hrs', 'hour', 'hours'],
  },
} satisfies Record<string, Record<Language, string[]>>;

export const allWords = (group: Record<Language, string[]>): string[] => Object.values(group).flat();
