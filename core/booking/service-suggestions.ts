// Services the owner may add, read from the price list they already uploaded: spreadsheet rows are
// stored as "Header: value; Header: value" lines (formats/spreadsheet-rows.ts), so a row with a
// name column and a price column is a candidate, with its duration when a column gives one. Nothing
// is created here: the owner confirms each one.
import type { Knex } from 'knex';
import { allWords } from '../language-data/language-data.ts';

export interface ServiceSuggestion {
  name: string;
  price: number;
  duration_minutes?: number;
}

const MAX_SUGGESTIONS = 200;
const MAX_CHUNKS = 5000;

// Every language's column names and units at once: a price list's language is not known in advance.
const NAME_WORDS = [...allWords((language) => language.booking.priceList.name)];
const PRICE_WORDS = [...allWords((language) => language.booking.priceList.price)];
const DURATION_WORDS = [...allWords((language) => language.booking.priceList.duration)];
const MINUTE_WORDS = allWords((language) => language.booking.priceList.minutes);
const HOUR_WORDS = allWords((language) => language.booking.priceList.hours);

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
const headerIs = (header: string, vocabulary: string[]) => {
  const lower = header.toLowerCase();
  return vocabulary.some((word) => lower.includes(word));
};

/** "1 200", "1,200", "1200,50", "от 1500 ₽", "1500–2000" (the first number); undefined without one. */
export function parsePrice(text: string): number | undefined {
  const match = /\d[\d\s\u00a0\u202f.,]*/.exec(text);
  if (!match) return undefined;
  let digits = match[0].replace(/[\s\u00a0\u202f]/g, '').replace(/[.,]+$/, '');
  const lastComma = digits.lastIndexOf(',');
  const lastDot = digits.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    const decimal = lastComma > lastDot ? ',' : '.';
    digits = digits.replace(decimal === ',' ? /\./g : /,/g, '').replace(decimal, '.');
  } else if (lastComma >= 0 || lastDot >= 0) {
    const separator = lastComma >= 0 ? ',' : '.';
    const thousands = new RegExp(`^\\d{1,3}(\\${separator}\\d{3})+$`).test(digits);
    digits = thousands ? digits.replaceAll(separator, '') : digits.replace(separator, '.');
  }
  const value = Number(digits);
  return Number.isFinite(value) && value > 0 ? Math.round(value * 100) / 100 : undefined;
}

/** "90", "75 min", "1 ч 30 мин", "1.5 h", "1:30" (the header may give the unit: "Длительность, мин"). */
export function parseDuration(text: string, header = ''): number | undefined {
  const clock = /(\d{1,2}):([0-5]\d)/.exec(text);
  if (clock) return valid(Number(clock[1]) * 60 + Number(clock[2]));
  const parts = [...text.toLowerCase().matchAll(/(\d+(?:[.,]\d+)?)\s*(\p{L}*)/gu)];
  if (parts.length === 0) return undefined;
  const headerWords = words(header);
  const headerUnit = headerWords.some((w) => HOUR_WORDS.has(w)) ? 60 : 1;
  let minutes = 0;
  for (const [, number, unit] of parts) {
    const value = Number((number ?? '').replace(',', '.'));
    if (unit && HOUR_WORDS.has(unit)) minutes += value * 60;
    else if (unit && MINUTE_WORDS.has(unit)) minutes += value;
    else minutes += value * headerUnit;
  }
  return valid(Math.round(minutes));
}

const valid = (minutes: number) => (minutes >= 5 && minutes <= 24 * 60 ? minutes : undefined);

/** One stored row line as a suggestion, when it names something with a price. */
export function suggestionFromRow(line: string): ServiceSuggestion | undefined {
  const cells = line.split('; ').map((part) => {
    const colon = part.indexOf(': ');
    return colon > 0
      ? { header: part.slice(0, colon), value: part.slice(colon + 2).trim() }
      : { header: '', value: part.trim() };
  });
  if (cells.length < 2) return undefined;
  const nameCell =
    cells.find((cell) => headerIs(cell.header, NAME_WORDS)) ??
    cells.find(
      (cell) => !headerIs(cell.header, PRICE_WORDS) && !headerIs(cell.header, DURATION_WORDS) && !/\d/.test(cell.value),
    );
  const priceCell =
    cells.find((cell) => cell !== nameCell && headerIs(cell.header, PRICE_WORDS)) ??
    cells.find((cell) => cell !== nameCell && cell.header === '' && parsePrice(cell.value) !== undefined);
  if (!nameCell || !priceCell || nameCell.value.length < 2 || nameCell.value.length > 200) return undefined;
  const price = parsePrice(priceCell.value);
  if (price === undefined) return undefined;
  const durationCell = cells.find(
    (cell) => cell !== nameCell && cell !== priceCell && headerIs(cell.header, DURATION_WORDS),
  );
  const duration = durationCell ? parseDuration(durationCell.value, durationCell.header) : undefined;
  return { name: nameCell.value, price, ...(duration ? { duration_minutes: duration } : {}) };
}

/** Candidates from the owner's stored rows, once per name, leaving out names already a service. */
export async function suggestServices(db: Knex, ownerId: string): Promise<ServiceSuggestion[]> {
  const [chunks, existing] = await Promise.all([
    db('chunks')
      .where({ owner_id: ownerId })
      .orderBy([{ column: 'file_id' }, { column: 'position' }])
      .limit(MAX_CHUNKS)
      .pluck<string[]>('text'),
    db('booking_services').where({ owner_id: ownerId }).whereNull('deleted_at').pluck<string[]>('name'),
  ]);
  const seen = new Set(existing.map((name) => name.toLowerCase()));
  const suggestions: ServiceSuggestion[] = [];
  for (const text of chunks) {
    for (const line of text.split('\n')) {
      const suggestion = suggestionFromRow(line);
      if (!suggestion || seen.has(suggestion.name.toLowerCase())) continue;
      seen.add(suggestion.name.toLowerCase());
      suggestions.push(suggestion);
      if (suggestions.length === MAX_SUGGESTIONS) return suggestions;
    }
  }
  return suggestions;
}
