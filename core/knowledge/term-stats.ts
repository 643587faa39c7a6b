// Maintains the owner's search statistics from the index itself (PostgreSQL's ts_stat). Refreshed
// after every training run and after a delete. Search tests a chunk only for words these statistics
// know, so a word indexed since the last refresh is found once the next refresh has run.
import type { Knex } from 'knex';
import { preparedRaw } from '../prepared-statement.ts';

export async function refreshTermStats(db: Knex, ownerId: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('owner_term_stats').where({ owner_id: ownerId }).delete();
    // ts_stat takes a query text; the owner id is quoted by format(%L), never concatenated by us.
    await trx.raw(
      `insert into owner_term_stats (owner_id, lexeme, df)
       select ?, word, ndoc from ts_stat(format('select tsv from chunks where owner_id = %L', ?::text))`,
      [ownerId, ownerId],
    );
    await trx.raw(
      `insert into owner_index_stats (owner_id, chunk_count, avg_length, updated_at)
       select ?, count(*), coalesce(avg(dl), 1), now() from chunks where owner_id = ?
       on conflict (owner_id) do update set chunk_count = excluded.chunk_count, avg_length = excluded.avg_length, updated_at = excluded.updated_at`,
      [ownerId, ownerId],
    );
  });
}

export interface TermStats {
  chunkCount: number;
  avgLength: number;
  df: Map<string, number>;
}

export const EMPTY_STATS: TermStats = { chunkCount: 0, avgLength: 1, df: new Map() };

export interface TermStatsRow {
  chunk_count: number | string | null;
  avg_length: number | string | null;
  df: Record<string, number | string> | null;
}

/**
 * Select-list and FROM for the owner's index size and the document frequency of the lexemes in
 * `lexemes` (an SQL expression of type text[] that may hold `?` placeholders). Bindings, in order:
 * the owner id, the placeholders of `lexemes`, the owner id.
 */
export function termStatsColumns(lexemes: string): string {
  return `(select coalesce(json_object_agg(t.lexeme, t.df), '{}'::json) from owner_term_stats t where t.owner_id = ? and t.lexeme = any(${lexemes})) as df,
          s.chunk_count, s.avg_length
     from (select 1) one left join owner_index_stats s on s.owner_id = ?`;
}

export function parseTermStats(row: TermStatsRow | undefined): TermStats {
  return {
    chunkCount: Number(row?.chunk_count ?? 0),
    avgLength: Number(row?.avg_length ?? 1),
    df: new Map(Object.entries(row?.df ?? {}).map(([lexeme, df]) => [lexeme, Number(df)])),
  };
}

/** The owner's index size and the document frequency of the given lexemes, in one round trip. */
export async function loadTermStats(db: Knex, ownerId: string, lexemes: string[]): Promise<TermStats> {
  const result = await preparedRaw(db, `select ${termStatsColumns('?::text[]')}`, [ownerId, lexemes, ownerId]);
  return parseTermStats(result.rows[0] as TermStatsRow | undefined);
}
