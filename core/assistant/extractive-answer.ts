// Without a language model: answer with the sentences (or table rows) of the best passages that match
// the question, not whole pages, and say where they come from.
import type { Knex } from 'knex';
import type { SearchHit } from '../knowledge/hybrid-search.ts';
import { queryTermGroups } from '../knowledge/query-terms.ts';
import { EXACT_CONFIG, normalizeSearchText, STEMMED_CONFIG } from '../knowledge/text-search-config.ts';

const MAX_SENTENCES = 3;
// A passage this short is itself the answer (an hours table, a price row): picking lines out of it loses context.
const WHOLE_PASSAGE_CHARS = 280;

/** Splits a passage into answerable units: lines for rows and lists, sentences for prose. */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?…])\s+(?=[A-ZА-ЯЁІЇЄҐ0-9«"“])/u))
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export interface ExtractedSentence {
  fileId: string;
  text: string;
}

/** Whether a hit holds fewer question words than `better`, all held by it too (unknown when either is not a full-text hit). */
function coveredBy(hit: SearchHit, better: SearchHit): boolean {
  const theirs = better.matched;
  if (!hit.matched || !theirs) return false;
  return (
    hit.matched.every((found, index) => !found || theirs[index]) &&
    theirs.some((found, index) => found && !hit.matched![index])
  );
}

/** The sentences of the top hits that match the most question words, best first, in passage order within a hit. */
export async function bestSentences(db: Knex, question: string, hits: SearchHit[]): Promise<ExtractedSentence[]> {
  const top = hits[0];
  if (top && top.text.length <= WHOLE_PASSAGE_CHARS) return [{ fileId: top.fileId, text: top.text.trim() }];
  // The search's own terms (they include corrections of misspelled words), else the question's words.
  const groups =
    hits.find((hit) => hit.terms)?.terms ?? (await queryTermGroups(db, question)).map((group) => group.lexemes);
  // Not a second passage that holds only some of the first one's question words ("price" beside
  // "pedicure price"): it would quote another service's price.
  const quoted = hits.slice(0, 2).filter((hit, index) => index === 0 || !coveredBy(hit, hits[0]!));
  const candidates = quoted.flatMap((hit, hitIndex) =>
    splitSentences(hit.text).map((text, order) => ({ hit, hitIndex, order, text })),
  );
  if (candidates.length === 0 || groups.length === 0) return [];
  const result = await db.raw(
    `select s.ord::int as ord, array(select lexeme from unnest(to_tsvector('${STEMMED_CONFIG}', s.text) || to_tsvector('${EXACT_CONFIG}', s.text))) as lexemes
       from unnest(?::text[]) with ordinality as s(text, ord)`,
    [candidates.map((candidate) => normalizeSearchText(candidate.text))],
  );
  const lexemesByIndex = new Map<number, Set<string>>();
  for (const row of result.rows as { ord: number; lexemes: string[] }[])
    lexemesByIndex.set(row.ord - 1, new Set(row.lexemes));
  const scored = candidates.map((candidate, index) => {
    const lexemes = lexemesByIndex.get(index) ?? new Set<string>();
    const matched = groups.filter((group) => group.some((lexeme) => lexemes.has(lexeme))).length;
    return { ...candidate, matched };
  });
  const best = Math.max(...scored.map((candidate) => candidate.matched));
  if (best === 0) return [{ fileId: hits[0]!.fileId, text: splitSentences(hits[0]!.text).slice(0, 2).join(' ') }];
  // Keep sentences nearly as good as the best (within one word), from the top hit first.
  const seen = new Set<string>();
  return scored
    .filter((candidate) => {
      const key = candidate.text.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .filter(
      (candidate) =>
        candidate.matched >= Math.max(1, best - 1) && (candidate.hitIndex === 0 || candidate.matched === best),
    )
    .sort((a, b) => b.matched - a.matched || a.hitIndex - b.hitIndex || a.order - b.order)
    .slice(0, MAX_SENTENCES)
    .sort((a, b) => a.hitIndex - b.hitIndex || a.order - b.order)
    .map((candidate) => ({ fileId: candidate.hit.fileId, text: candidate.text }));
}
