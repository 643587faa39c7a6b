// How text becomes searchable lexemes, in one place for indexing and querying. PostgreSQL's `russian`
// configuration stems Cyrillic with the Russian stemmer and Latin words with the English one; the
// `simple` lexemes added beside them keep exact word forms, which is what carries Ukrainian (stock
// PostgreSQL has no Ukrainian stemmer) and names, codes and prices.
export const STEMMED_CONFIG = 'russian';
export const EXACT_CONFIG = 'simple';

/** SQL for the tsvector of a text parameter (`?`). */
export const TSVECTOR_SQL = `to_tsvector('${STEMMED_CONFIG}', ?) || to_tsvector('${EXACT_CONFIG}', ?)`;
