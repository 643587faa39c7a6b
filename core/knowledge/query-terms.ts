// Turns a customer's question into weighted search terms: one group per meaningful word, holding its
// stem, its exact form and the words customers use interchangeably for it ("сколько стоит" ↔ "цена").
import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import {
  EMPTY_STATS,
  loadTermStats,
  parseTermStats,
  termStatsColumns,
  type TermStats,
  type TermStatsRow,
} from './term-stats.ts';
import { EXACT_CONFIG, normalizeSearchText, STEMMED_CONFIG } from './text-search-config.ts';
import { preparedRaw } from '../prepared-statement.ts';
import { allWords, LANGUAGE_FILES } from '../language-data/language-data.ts';

export interface TermGroup {
  word: string;
  lexemes: string[];
  /** With synonyms: the word's own forms among `lexemes` (a chunk holding one ranks above one holding only a synonym). */
  literal?: string[];
  /** The word asks for a price ("сколько стоит", "цена", "price"). */
  price?: true;
  /** Stem prefixes matched as `prefix:*`: other forms of the word the stemmer does not join
   * (Ukrainian endings, "Монгольской" ↔ "Монголии"). */
  prefixes: string[];
}

const PREFIX_MIN_STEM = 7;
const PREFIX_MIN_LENGTH = 5;

function stemPrefixes(stems: string[]): string[] {
  return [
    ...new Set(
      stems
        .filter((stem) => stem.length >= PREFIX_MIN_STEM)
        .map((stem) => stem.slice(0, Math.max(PREFIX_MIN_LENGTH, stem.length - 3))),
    ),
  ];
}

// The vocabulary is data (core/language-data, `search`), every language's together: a customer may ask
// in one language about a file written in another.
const QUESTION_WORDS = allWords((language) => language.search.questionWords);

/** A question made only of question words that asks "where" asks for the address ("Where are you?", "Де ви?"). */
const WHERE_WORDS = allWords((language) => language.search.whereWords);
const ADDRESS_CONCEPT = 'address';
const PRICE_CONCEPT = 'price';

/** Each synonym concept's words in every language ("monday": понедельник, понеділок, monday), in file order. */
function synonymConcepts(): Map<string, string[]> {
  const concepts = new Map<string, string[]>();
  for (const language of LANGUAGE_FILES)
    for (const [concept, words] of Object.entries(language.search.synonyms))
      concepts.set(concept, [...new Set([...(concepts.get(concept) ?? []), ...words])]);
  return concepts;
}
const SYNONYM_CONCEPTS = synonymConcepts();

interface Synonyms {
  /** For each synonym word and stem, the lexemes of its whole set. */
  byLexeme: Map<string, string[]>;
  /** Each concept's lexemes (the same arrays as in `byLexeme`). */
  byConcept: Map<string, string[]>;
}

const synonymCache = new WeakMap<Knex, Promise<Synonyms>>();

/** The synonym sets as lexemes, stemmed once per database. */
function synonymLexemes(db: Knex): Promise<Synonyms> {
  let cached = synonymCache.get(db);
  if (!cached) {
    cached = (async () => {
      const byLexeme = new Map<string, string[]>();
      const byConcept = new Map<string, string[]>();
      for (const [concept, words] of SYNONYM_CONCEPTS) {
        const groups = await wordGroups(db, words.join(' '));
        // A single letter is no word ("п'ятниця" splits into "п" and "ятниця" at the apostrophe).
        const isWord = (lexeme: string) => lexeme.length > 1;
        const lexemes = [...new Set(groups.flatMap((group) => group.lexemes))].filter(isWord);
        byConcept.set(concept, lexemes);
        for (const group of groups) for (const lexeme of group.lexemes.filter(isWord)) byLexeme.set(lexeme, lexemes);
      }
      return { byLexeme, byConcept };
    })();
    // A failed attempt (a dropped connection) must not stay cached: the next question tries again.
    cached.catch(() => synonymCache.delete(db));
    synonymCache.set(db, cached);
  }
  return cached;
}

interface WordRow {
  word: string;
  stems: string[];
}

/** The words of a text (simple config) with their stems, in the tsvector's order: `?` is the text. */
const WORDS_SQL = `select word.lexeme as word,
            array(select stem.lexeme from unnest(to_tsvector('${STEMMED_CONFIG}', word.lexeme)) stem) as stems
       from unnest(to_tsvector('${EXACT_CONFIG}', ?)) with ordinality word
      order by word.ordinality`;

function groupsOf(rows: WordRow[]): TermGroup[] {
  return rows
    .filter((row) => row.stems.length > 0) // no stem: a stop word ("и", "the")
    .map((row) => ({
      word: row.word,
      lexemes: [...new Set([row.word, ...row.stems])],
      prefixes: stemPrefixes(row.stems),
    }));
}

const flattened = new WeakMap<Synonyms, string[]>();

/** Every lexeme of every synonym set, once (computed once per synonym map). */
function allSynonymLexemes(synonyms: Synonyms): string[] {
  let all = flattened.get(synonyms);
  if (!all) flattened.set(synonyms, (all = [...new Set([...synonyms.byConcept.values()].flat())]));
  return all;
}

async function wordRows(db: Knex, text: string): Promise<WordRow[]> {
  const result = await preparedRaw(db, WORDS_SQL, [normalizeSearchText(text)]);
  return result.rows as WordRow[];
}

async function wordGroups(db: Knex, text: string): Promise<TermGroup[]> {
  return groupsOf(await wordRows(db, text));
}

function questionGroups(rows: WordRow[], synonyms: Synonyms): TermGroup[] {
  const meaningful = groupsOf(rows).filter((group) => !QUESTION_WORDS.has(group.word));
  if (meaningful.length === 0 && rows.some((row) => WHERE_WORDS.has(row.word)))
    return [
      { word: ADDRESS_CONCEPT, lexemes: synonyms.byConcept.get(ADDRESS_CONCEPT) ?? [ADDRESS_CONCEPT], prefixes: [] },
    ];
  return meaningful.map((group) => {
    const expansion = group.lexemes.map((lexeme) => synonyms.byLexeme.get(lexeme)).find((found) => found !== undefined);
    // Synonym sets are complete word lists: no prefix guessing for them ("цен:*" would match "ценный").
    if (!expansion) return group;
    // Each set's lexemes are one array, shared by all its words and its concept.
    return {
      word: group.word,
      lexemes: [...new Set([...group.lexemes, ...expansion])],
      literal: group.lexemes,
      prefixes: [],
      ...(expansion === synonyms.byConcept.get(PRICE_CONCEPT) ? { price: true as const } : {}),
    };
  });
}

// Term groups depend only on the text, and one answer needs them twice (search, then picking the
// sentences that answer): remembered per database for recent questions, bounded in size.
const GROUP_CACHE_SIZE = 500;
const groupCache = new WeakMap<Knex, LRUCache<string, Promise<TermGroup[]>>>();

function remember(db: Knex, query: string, groups: Promise<TermGroup[]>): void {
  let cache = groupCache.get(db);
  if (!cache) groupCache.set(db, (cache = new LRUCache({ max: GROUP_CACHE_SIZE })));
  cache.set(query, groups);
  // A failed computation (a dropped connection) is not remembered: the next question tries again.
  groups.catch(() => cache.delete(query));
}

export function queryTermGroups(db: Knex, query: string): Promise<TermGroup[]> {
  const cached = groupCache.get(db)?.get(query);
  if (cached) return cached;
  const computed = computeTermGroups(db, query);
  remember(db, query, computed);
  return computed;
}

async function computeTermGroups(db: Knex, query: string): Promise<TermGroup[]> {
  const synonyms = await synonymLexemes(db);
  return questionGroups(await wordRows(db, query), synonyms);
}

/**
 * A question's term groups together with the owner's statistics for their lexemes. When the question's
 * groups are not remembered yet, both come from one statement (the statistics then cover every word and
 * stem of the text and every synonym, a superset of the groups' lexemes).
 */
export async function queryTermGroupsWithStats(
  db: Knex,
  ownerId: string,
  query: string,
): Promise<{ groups: TermGroup[]; stats: TermStats }> {
  const cached = groupCache.get(db)?.get(query);
  if (cached) {
    const groups = await cached;
    return {
      groups,
      stats:
        groups.length > 0
          ? await loadTermStats(db, ownerId, [...new Set(groups.flatMap((group) => group.lexemes))])
          : EMPTY_STATS,
    };
  }
  const synonyms = await synonymLexemes(db);
  const result = await preparedRaw(
    db,
    `with words as (${WORDS_SQL})
     select (select coalesce(json_agg(json_build_object('word', w.word, 'stems', w.stems)), '[]'::json) from words w) as words,
            ${termStatsColumns('array(select w.word from words w union select unnest(w.stems) from words w) || ?::text[]')}`,
    [normalizeSearchText(query), ownerId, allSynonymLexemes(synonyms), ownerId],
  );
  const row = result.rows[0] as TermStatsRow & { words: WordRow[] };
  const groups = questionGroups(row.words, synonyms);
  remember(db, query, Promise.resolve(groups));
  return { groups, stats: parseTermStats(row) };
}
