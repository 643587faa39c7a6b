// The address a booking confirmation gives: the one in the owner's booking settings, else a line of the
// owner's own files that says "Address: …" (in any language's words for it). None found: none given,
// rather than a guess.
import type { Knex } from 'knex';
import type { BookingSettingsStore } from '../booking/booking-settings.ts';
import { LANGUAGE_FILES } from '../language-data/language-data.ts';

const ADDRESS_WORDS = [...new Set(LANGUAGE_FILES.flatMap((file) => file.search.synonyms['address'] ?? []))];
const escapeRegExp = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LABELLED = new RegExp(`(?:^|[^\\p{L}])(?:${ADDRESS_WORDS.map(escapeRegExp).join('|')})\\s*:\\s*([^\\n]+)`, 'iu');
const MAX_LENGTH = 200;

/** The text after "Address:" up to the end of its line or sentence. */
export function labelledAddress(text: string): string | undefined {
  const found = LABELLED.exec(text)?.[1];
  if (!found) return undefined;
  const sentence = found
    .split(/(?<=\.)\s/)[0]!
    .trim()
    .replace(/\.$/, '');
  return sentence && sentence.length <= MAX_LENGTH ? sentence : undefined;
}

export type AddressSource = (ownerId: string) => Promise<string | undefined>;

export function createAddressSource({ db, settings }: { db: Knex; settings: BookingSettingsStore }): AddressSource {
  return async (ownerId) => {
    const own = (await settings.get(ownerId)).address?.trim();
    if (own) return own;
    if (ADDRESS_WORDS.length === 0) return undefined;
    const rows = await db('chunks')
      .where({ owner_id: ownerId })
      .whereRaw('text ~* ?', [`(${ADDRESS_WORDS.map(escapeRegExp).join('|')})\\s*:`])
      .orderBy([{ column: 'file_id' }, { column: 'position' }])
      .limit(20)
      .pluck<string[]>('text');
    for (const text of rows) {
      const address = labelledAddress(text);
      if (address) return address;
    }
    return undefined;
  };
}
