// Customers misspell ("маникур", "Christchruch"). A question word that the owner's index does not hold
// is matched to the owner's own words within a small edit distance: words sharing its first two
// letters (looked up through an index of their own), one edit away for words of 5–7 letters, two from
// 8. Shorter words are left alone (too many real words lie one edit apart), as are words with digits
// (model numbers, prices).
import type { Knex } from 'knex';
import { distance } from 'fastest-levenshtein';
import { preparedRaw } from '../prepared-statement.ts';

const MIN_LENGTH = 5;
const MAX_CORRECTIONS = 3;

export interface Correction {
  lexeme: string;
  df: number;
}

/** Edits allowed for a word (the lookup's SQL filters lengths by the same rule). */
export function allowedEdits(word: string): number {
  return [...word].length >= 8 ? 2 : 1;
}

/** Whether a word the index does not hold is worth looking up as a possible misspelling. */
export function mayBeMisspelled(word: string): boolean {
  return [...word].length >= MIN_LENGTH && !/\d/.test(word);
}

/**
 * For each word, the owner's indexed words closest to it within the allowed edits (all at the
 * smallest distance found, most frequent first, at most three). Words with none are absent.
 */
export async function closeIndexedWords(
  db: Knex,
  ownerId: string,
  words: string[],
): Promise<Map<string, Correction[]>> {
  const corrections = new Map<string, Correction[]>();
  const looked = [...new Set(words.filter(mayBeMisspelled))];
  if (looked.length === 0) return corrections;
  const result = await preparedRaw(
    db,
    `select w.word, t.lexeme, t.df
       from unnest(?::text[]) as w(word)
       join owner_term_stats t on t.owner_id = ? and left(t.lexeme, 2) = left(w.word, 2)
      where abs(length(t.lexeme) - length(w.word)) <= case when length(w.word) >= 8 then 2 else 1 end`,
    [looked, ownerId],
  );
  const byWord = new Map<string, (Correction & { edits: number })[]>();
  for (const row of result.rows as { word: string; lexeme: string; df: number | string }[]) {
    const edits = distance(row.word, row.lexeme);
    if (edits === 0 || edits > allowedEdits(row.word)) continue;
    let found = byWord.get(row.word);
    if (!found) byWord.set(row.word, (found = []));
    found.push({ lexeme: row.lexeme, df: Number(row.df), edits });
  }
  for (const [word, found] of byWord) {
    const closest = Math.min(...found.map((candidate) => candidate.edits));
    corrections.set(
      word,
      found
        .filter((candidate) => candidate.edits === closest)
        .sort((a, b) => b.df - a.df || (a.lexeme < b.lexeme ? -1 : 1))
        .slice(0, MAX_CORRECTIONS)
        .map(({ lexeme, df }) => ({ lexeme, df })),
    );
  }
  return corrections;
}
