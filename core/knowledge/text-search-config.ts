// How text becomes searchable lexemes, in one place for indexing and querying. PostgreSQL's `russian`
// configuration stems Cyrillic with the Russian stemmer and Latin words with the English one; the
// `simple` lexemes added beside them keep exact word forms, which is what carries Ukrainian (stock
// PostgreSQL has no Ukrainian stemmer) and names, codes and prices.
export const STEMMED_CONFIG = 'russian';
export const EXACT_CONFIG = 'simple';

/** SQL for the tsvector of a text parameter (`?`). */
export const TSVECTOR_SQL = `to_tsvector('${STEMMED_CONFIG}', ?) || to_tsvector('${EXACT_CONFIG}', ?)`;

/**
 * What both the index and the questions go through before PostgreSQL sees them: stress marks
 * (combining acute/grave, common in Russian reference texts: "Психотерапи́я") and soft hyphens would
 * split words, and customers write "е" for "ё". Only these: removing all diacritics would turn й into и.
 */
export function normalizeSearchText(text: string): string {
  // NFD exposes accents precomposed into letters (á); NFC afterwards puts й and ё back together.
  return text
    .normalize('NFD')
    .replace(/[\u0300\u0301\u00AD]/g, '')
    .normalize('NFC')
    .replace(/ё/g, 'е')
    .replace(/Ё/g, 'Е');
}
