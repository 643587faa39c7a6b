// Turns a customer's question into weighted search terms: one group per meaningful word, holding its
// stem, its exact form and the words customers use interchangeably for it ("сколько стоит" ↔ "цена").
import type { Knex } from 'knex';
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

// Words that make a question a question but never appear in the answer ("how much", "do you").
const QUESTION_WORDS = new Set([
  'сколько',
  'какой',
  'какая',
  'какое',
  'какие',
  'каких',
  'как',
  'где',
  'когда',
  'почему',
  'зачем',
  'ли',
  'можно',
  'есть',
  'у',
  'вас',
  'вы',
  'ваш',
  'ваши',
  'мне',
  'я',
  'подскажите',
  'скажите',
  'пожалуйста',
  'здравствуйте',
  'привет',
  'добрый',
  'день',
  'хочу',
  'нужно',
  'надо',
  'скільки',
  'який',
  'яка',
  'яке',
  'які',
  'як',
  'де',
  'коли',
  'чому',
  'чи',
  'можна',
  'є',
  'вас',
  'ви',
  'ваш',
  'ваші',
  'мені',
  'підкажіть',
  'скажіть',
  'будь',
  'ласка',
  'вітаю',
  'привіт',
  'добрий',
  'хочу',
  'треба',
  'how',
  'much',
  'many',
  'what',
  'which',
  'where',
  'when',
  'why',
  'who',
  'do',
  'does',
  'did',
  'can',
  'could',
  'you',
  'your',
  'i',
  'me',
  'my',
  'is',
  'are',
  'there',
  'please',
  'hello',
  'hi',
  'tell',
  // Conversation around a question ("У меня вопрос", "хотела узнать", "спасибо").
  'вопрос',
  'вопросик',
  'узнать',
  'интересует',
  'хотела',
  'хотел',
  'спасибо',
  'питання',
  'дізнатися',
  'цікавить',
  'хотіла',
  'хотів',
  'дякую',
  'question',
  'know',
  'want',
  'wanted',
  'thanks',
  'thank',
]);

// Small, domain-specific equivalences for a service business: price, time, place, booking.
const SYNONYMS: string[][] = [
  [
    'цена',
    'цены',
    'стоит',
    'стоимость',
    'прайс',
    'руб',
    'грн',
    'ціна',
    'ціни',
    'коштує',
    'вартість',
    'price',
    'prices',
    'cost',
    'costs',
    'fee',
  ],
  [
    'работаете',
    'работает',
    'открыты',
    'закрываетесь',
    'график',
    'часы',
    'режим',
    'працюєте',
    'працює',
    'відкриті',
    'зачиняєтесь',
    'графік',
    'години',
    'open',
    'close',
    'closed',
    'hours',
    'schedule',
  ],
  // Days, for a question in one language about opening hours written in another.
  ['понедельник', 'понеділок', 'monday'],
  ['вторник', 'вівторок', 'tuesday'],
  ['четверг', 'четвер', 'thursday'],
  ['суббота', 'субота', 'saturday'],
  ['воскресенье', 'неділя', 'sunday'],
  ['выходные', 'вихідні', 'weekend', 'weekends'],
  [
    'адрес',
    'находитесь',
    'расположены',
    'добраться',
    'доехать',
    'адреса',
    'знаходитесь',
    'розташовані',
    'дістатися',
    'доїхати',
    'address',
    'located',
    'location',
  ],
  ['записаться', 'запись', 'записатися', 'запис', 'book', 'booking', 'appointment'],
  [
    'оплата',
    'оплатить',
    'оплачивать',
    'наличные',
    'наличными',
    'оплатити',
    'оплачувати',
    'готівка',
    'готівкою',
    'pay',
    'payment',
    'cash',
  ],
];

/** A question made only of question words that asks "where" asks for the address ("Where are you?", "Де ви?"). */
const WHERE_WORDS = new Set(['где', 'де', 'where']);
const ADDRESS_WORD = 'address';

const synonymCache = new WeakMap<Knex, Promise<Map<string, string[]>>>();

/** For each synonym word and stem, the lexemes of its whole set (stemmed once per database). */
function synonymLexemes(db: Knex): Promise<Map<string, string[]>> {
  let cached = synonymCache.get(db);
  if (!cached) {
    cached = (async () => {
      const map = new Map<string, string[]>();
      for (const set of SYNONYMS) {
        const groups = await wordGroups(db, set.join(' '));
        const lexemes = [...new Set(groups.flatMap((group) => group.lexemes))];
        for (const group of groups) for (const lexeme of group.lexemes) map.set(lexeme, lexemes);
      }
      return map;
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

const flattened = new WeakMap<Map<string, string[]>, string[]>();

/** Every lexeme of every synonym set, once (computed once per synonym map). */
function allSynonymLexemes(synonyms: Map<string, string[]>): string[] {
  let all = flattened.get(synonyms);
  if (!all) flattened.set(synonyms, (all = [...new Set([...synonyms.values()].flat())]));
  return all;
}

async function wordRows(db: Knex, text: string): Promise<WordRow[]> {
  const result = await preparedRaw(db, WORDS_SQL, [normalizeSearchText(text)]);
  return result.rows as WordRow[];
}

async function wordGroups(db: Knex, text: string): Promise<TermGroup[]> {
  return groupsOf(await wordRows(db, text));
}

function questionGroups(rows: WordRow[], synonyms: Map<string, string[]>): TermGroup[] {
  const meaningful = groupsOf(rows).filter((group) => !QUESTION_WORDS.has(group.word));
  if (meaningful.length === 0 && rows.some((row) => WHERE_WORDS.has(row.word)))
    return [{ word: ADDRESS_WORD, lexemes: synonyms.get(ADDRESS_WORD) ?? [ADDRESS_WORD], prefixes: [] }];
  return meaningful.map((group) => {
    const expansion = group.lexemes.map((lexeme) => synonyms.get(lexeme)).find((found) => found !== undefined);
    // Synonym sets are complete word lists: no prefix guessing for them ("цен:*" would match "ценный").
    if (!expansion) return group;
    // Each set's lexemes are one array, shared by all its words: the price set is the one "price" maps to.
    return {
      word: group.word,
      lexemes: [...new Set([...group.lexemes, ...expansion])],
      literal: group.lexemes,
      prefixes: [],
      ...(expansion === synonyms.get('price') ? { price: true as const } : {}),
    };
  });
}

// Term groups depend only on the text, and one answer needs them twice (search, then picking the
// sentences that answer): remembered per database for recent questions, bounded in size.
const GROUP_CACHE_SIZE = 500;
const groupCache = new WeakMap<Knex, Map<string, Promise<TermGroup[]>>>();

function remember(db: Knex, query: string, groups: Promise<TermGroup[]>): void {
  let cache = groupCache.get(db);
  if (!cache) groupCache.set(db, (cache = new Map()));
  cache.set(query, groups);
  groups.catch(() => cache.delete(query));
  // A Map iterates in insertion order: the first key is the oldest.
  if (cache.size > GROUP_CACHE_SIZE) cache.delete(cache.keys().next().value!);
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
