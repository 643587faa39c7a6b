// Full-text retrieval over one owner's chunks, ranked with BM25 (IDF-weighted, unlike ts_rank).
// Each query word is a group (stem, exact form, synonyms); a chunk either contains a group or not,
// which for passages of a few hundred tokens ranks as well as counting repeats and is far cheaper.
// In a large index, candidates come from the rarest words first, so a common word never makes a query
// scan everything; when even those are in many chunks, the chunks holding two of them come first.
import type { Knex } from 'knex';
import { queryTermGroupsWithStats, type TermGroup } from './query-terms.ts';
import type { TermStats } from './term-stats.ts';
import { closeIndexedWords, mayBeMisspelled } from './typo-tolerance.ts';
import { preparedRaw } from '../prepared-statement.ts';

export interface SearchHit {
  chunkId: string;
  fileId: string;
  position: number;
  text: string;
  headingPath: string[];
  /** The name of the file the chunk comes from. */
  fileName: string;
  score: number;
  /** Share of the question's weight (IDF over its words) this chunk matches, 0..1: the relevance floor's basis. */
  coverage: number;
  /** Full-text hits: the forms searched for each question word, misspellings' corrections included. */
  terms?: string[][];
  /** Full-text hits: which of those question words the chunk holds (same order as `terms`). */
  matched?: boolean[];
  /**
   * Full-text hits: of the question's words the chunk holds only its asking for a price, and the question
   * has a word the owner's files never mention ("Сколько стоит пилинг?" finding a price list): it is the
   * price of something else.
   */
  priceOnly?: boolean;
}

export interface SearchOptions {
  limit?: number;
  /** Hits matching less than this share of the question's weight are dropped (default 0.2). */
  minCoverage?: number;
}

const K1 = 1.2;
const B = 0.75;
/** How many chunks a query may score at most; rarer words are used to choose them first. */
const CANDIDATE_BUDGET = 1500;
const COMMON_SHARE = 0.2;
const COMMON_ONLY_LIMIT = 300;
/** An owner's index of at most this many chunks is small enough to score every chunk holding any word. */
const SMALL_INDEX = 300;
/** Above this many candidate chunks, those holding two of the question's rarer words are scored first. */
const PAIRS_ABOVE = 1000;
const PAIR_WORDS = 4;
/** What a match through a synonym only is worth in the score, against the word's own form. */
const SYNONYM_WEIGHT = 0.8;

/** A tsquery matching any lexeme of the group; lexemes are quoted, so no user text is parsed as syntax. */
function groupQuery(group: TermGroup, withPrefixes: boolean): string {
  const quote = (lexeme: string) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return [
    ...group.lexemes.map(quote),
    ...(withPrefixes ? group.prefixes.map((prefix) => `${quote(prefix)}:*`) : []),
  ].join(' | ');
}

/** Adds to each word the owner's index does not hold its likely intended words from that index (typos). */
async function withCorrections(
  db: Knex,
  ownerId: string,
  groups: TermGroup[],
  stats: TermStats,
): Promise<{ groups: (TermGroup & { corrected?: boolean })[]; stats: TermStats }> {
  const unknown = groups.filter(
    (group) => mayBeMisspelled(group.word) && group.lexemes.every((lexeme) => !stats.df.get(lexeme)),
  );
  if (unknown.length === 0) return { groups, stats };
  const corrections = await closeIndexedWords(
    db,
    ownerId,
    unknown.map((group) => group.word),
  );
  if (corrections.size === 0) return { groups, stats };
  const df = new Map(stats.df);
  for (const found of corrections.values()) for (const correction of found) df.set(correction.lexeme, correction.df);
  return {
    groups: groups.map((group) => {
      const found = corrections.get(group.word);
      return found
        ? { ...group, lexemes: [...group.lexemes, ...found.map((correction) => correction.lexeme)], corrected: true }
        : group;
    }),
    stats: { ...stats, df },
  };
}

export async function searchChunks(
  db: Knex,
  ownerId: string,
  query: string,
  options: SearchOptions = {},
): Promise<SearchHit[]> {
  const limit = options.limit ?? 5;
  const minCoverage = options.minCoverage ?? 0.2;
  const found = await queryTermGroupsWithStats(db, ownerId, query);
  if (found.groups.length === 0) return [];
  const { groups, stats } = await withCorrections(db, ownerId, found.groups, found.stats);
  const n = Math.max(stats.chunkCount, 1);
  // A group's document frequency: its most frequent variant (a lower bound of the union, close enough).
  const weighted = groups.map((group) => {
    const df = Math.max(0, ...group.lexemes.map((lexeme) => stats.df.get(lexeme) ?? 0));
    // Only the forms this owner's index holds can match (the statistics are refreshed with the index):
    // a synonym set in three languages, of which a salon's files use two words, is tested as two.
    const indexed = { ...group, lexemes: group.lexemes.filter((lexeme) => (stats.df.get(lexeme) ?? 0) > 0) };
    // A word the index has never seen weighs as one seen once. Unsmoothed, in a small index (a salon's
    // one-chunk price list) it weighed as much as five words the index holds, so one word of small talk
    // ("…for my son Tom?") dropped the right passage under the relevance floor.
    const weightDf = Math.max(df, 1);
    // Prefix variants scan a range of the index: worth it only when no exact form of the word is indexed.
    // A misspelling's corrections do not make the word's own prefixes useless (other endings of it).
    // (So `query` and `selectQuery` are empty together: with no indexed form, both are the prefixes.)
    // A synonym's match ranks a little below the word's own ("в субботу": the Russian hours before the
    // Ukrainian "субота"), while counting in full for the relevance floor.
    const literal = group.literal
      ? groupQuery({ ...indexed, lexemes: indexed.lexemes.filter((lexeme) => group.literal!.includes(lexeme)) }, false)
      : undefined;
    const query = groupQuery(indexed, true);
    return {
      query,
      literalQuery: literal === query ? undefined : literal,
      selectQuery: groupQuery(indexed, df === 0 || group.corrected === true),
      df,
      idf: Math.log(1 + (n - weightDf + 0.5) / (weightDf + 0.5)),
    };
  });
  const totalIdf = weighted.reduce((sum, group) => sum + group.idf, 0);

  // A group with nothing to test (none of its forms indexed, no prefixes) matches no chunk: it chooses
  // no candidates and only counts in the question's weight, where the relevance floor judges it.
  const testable = (group: (typeof weighted)[number]) => group.query !== '';
  // Even a chunk matching every testable word would fall under the relevance floor: nothing to score.
  const scored = weighted.filter(testable);
  if (scored.length === 0 || scored.reduce((sum, group) => sum + group.idf, 0) < minCoverage * totalIdf) return [];

  // Candidates: chunks containing the rarer words, within a budget. Words found in a fifth of the
  // owner's chunks or more weigh little and would make every query read most of the index; they only
  // choose candidates when the question has nothing rarer, and then all of them must match.
  const byRarity = weighted
    .filter((group) => testable(group) && group.df <= COMMON_SHARE * n)
    .sort((a, b) => a.df - b.df);
  const selective: typeof weighted = [];
  let budget = 0;
  for (const group of byRarity) {
    if (selective.length > 0 && budget + group.df > CANDIDATE_BUDGET) break;
    selective.push(group);
    budget += group.df;
  }
  const allOthers = weighted
    .filter((group) => testable(group) && !selective.includes(group))
    .map((group) => `(${group.selectQuery})`)
    .join(' & ');

  // Scored, filtered and cut in the database (one round trip, only the hits travel): BM25 where a group
  // either matches or not, so a chunk's score is the IDF of its matched groups times its length norm.
  // Only chunks of ready files are candidates: a file being indexed answers once all of it can.
  const matchedIdf = scored.map(() => '(case when tsv @@ ?::tsquery then ?::float8 else 0 end)').join(' + ');
  // Synonym-only matches: the part of their weight the score leaves out (the floor counts it in full).
  const ranked = scored.filter((group) => group.literalQuery !== undefined);
  const synonymOnly =
    ranked
      .map((group) =>
        group.literalQuery
          ? '(case when tsv @@ ?::tsquery then 0 when tsv @@ ?::tsquery then ?::float8 else 0 end)'
          : '(case when tsv @@ ?::tsquery then ?::float8 else 0 end)',
      )
      .join(' + ') || '0';
  const synonymBindings = ranked.flatMap((group) => [
    ...(group.literalQuery ? [group.literalQuery] : []),
    group.query,
    group.idf * (1 - SYNONYM_WEIGHT),
  ]);
  const score = (candidates: string, candidateLimit: number) =>
    preparedRaw(
      db,
      `select c.id, c.file_id, f.name as file_name, c.position, c.text, c.heading_path, top.score, top.matched_idf,
            array[${scored.map(() => 'c.tsv @@ ?::tsquery').join(', ')}] as matched
       from (select id, matched_idf, (matched_idf - synonym_only) * ${K1 + 1} / (1 + ${K1} * (1 - ${B} + ${B} * dl / ?::float8)) as score
               from (select id, dl, ${matchedIdf} as matched_idf, ${synonymOnly} as synonym_only
                       from (select id, dl::float8 as dl, strip(tsv) as tsv
                               from chunks
                              where owner_id = ? and tsv @@ ?::tsquery
                                and file_id in (select id from files where owner_id = ? and status = 'ready')
                              limit ${candidateLimit}) found) candidates
              where (case when ?::float8 > 0 then matched_idf / ?::float8 else 0 end) >= ?::float8
              order by score desc, id
              limit ?) top
       join chunks c on c.id = top.id
       join files f on f.id = c.file_id and f.owner_id = c.owner_id
      order by top.score desc, top.id`,
      [
        ...scored.map((group) => group.query),
        stats.avgLength > 0 ? stats.avgLength : 1,
        ...scored.flatMap((group) => [group.query, group.idf]),
        ...synonymBindings,
        ownerId,
        candidates,
        ownerId,
        totalIdf,
        totalIdf,
        minCoverage,
        limit,
      ],
    );

  let result: Awaited<ReturnType<typeof score>> | undefined;
  if (stats.chunkCount <= SMALL_INDEX) {
    // A salon's few files: every chunk holding any of the question's words is scored (there are few),
    // and the relevance floor judges. Choosing by rarity here made a small index strict: every word is
    // "common" in three chunks, so a question about two things ("Eyebrow shaping, is there parking?")
    // needed one chunk with both, and an unknown word's prefix guess ("Zanzibarova" → "zanzibar…") alone
    // chose the street address over the price list.
    // The statistics may lag a training run still indexing: the budget of a large index, not 300.
    result = await score(scored.map((group) => `(${group.selectQuery})`).join(' | '), CANDIDATE_BUDGET * 2);
  } else if (selective.length === 0) {
    result = await score(allOthers, COMMON_ONLY_LIMIT);
  } else {
    // When even the rarer words are in many chunks, the best passages almost always hold two of them:
    // those are scored first, and only if they are too few to fill the answer is every candidate scored.
    // Common words are left out of the pairs: with them, the pairs are in too many chunks again.
    const pairable = byRarity.filter((group) => group.df > 0).slice(0, PAIR_WORDS);
    if (budget > PAIRS_ABOVE && pairable.length >= 2) {
      const pairs = pairable.flatMap((first, i) =>
        pairable.slice(i + 1).map((second) => ({
          query: `((${first.selectQuery}) & (${second.selectQuery}))`,
          idf: first.idf + second.idf,
        })),
      );
      // A word that alone weighs as much as the lightest pair (a very rare one) is looked for alone too.
      const lightestPair = Math.min(...pairs.map((pair) => pair.idf));
      const alone = pairable.filter((group) => group.idf >= lightestPair).map((group) => `(${group.selectQuery})`);
      result = await score([...pairs.map((pair) => pair.query), ...alone].join(' | '), CANDIDATE_BUDGET * 2);
      if (result.rows.length < limit) result = undefined;
    }
    result ??= await score(selective.map((group) => `(${group.selectQuery})`).join(' | '), CANDIDATE_BUDGET * 2);
    // The rarer words were only an unknown word's prefixes, a guess, and it found nothing: the
    // question's other words choose the candidates instead, all of them together.
    if (result.rows.length === 0 && allOthers !== '' && selective.every((group) => group.df === 0))
      result = await score(allOthers, COMMON_ONLY_LIMIT);
  }
  const terms = groups.map((group) => group.lexemes);
  const rows = result.rows as {
    id: string | number;
    file_id: string;
    file_name: string;
    position: number;
    text: string;
    heading_path: string[];
    score: number;
    matched_idf: number;
    matched: boolean[];
  }[];
  return rows.map((row) => {
    // The SQL tested the scored groups only; an untestable group matches nothing.
    const matched = weighted.map((group) => row.matched[scored.indexOf(group)] === true);
    const priceOnly =
      groups.every((group, index) => !matched[index] || group.price === true) &&
      weighted.some((group, index) => group.df === 0 && !matched[index]);
    return {
      chunkId: String(row.id),
      fileId: row.file_id,
      fileName: row.file_name,
      position: row.position,
      text: row.text,
      headingPath: row.heading_path,
      score: Number(row.score),
      coverage: totalIdf > 0 ? Number(row.matched_idf) / totalIdf : 0,
      terms,
      matched,
      priceOnly,
    };
  });
}
