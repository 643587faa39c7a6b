// Maintains the owner's search statistics (document frequency per lexeme, indexed chunk count, average
// length). Search tests a chunk only for words these statistics know, so they move with the index: each
// indexing batch adds its chunks in its own transaction (chunk-index.ts), and each deleting batch
// subtracts its chunks in its own. A full recount from the index (PostgreSQL's ts_stat) is for seeding
// an index directly (tests, benchmarks); it is one statement over the owner's whole index.
import type { Knex } from 'knex';
import { preparedRaw } from '../prepared-statement.ts';

/** A recount from the owner's whole index: one statement over every indexed chunk of the owner. */
export async function refreshTermStats(db: Knex, ownerId: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('owner_term_stats').where({ owner_id: ownerId }).delete();
    // ts_stat takes a query text; the owner id is quoted by format(%L), never concatenated by us.
    await trx.raw(
      `insert into owner_term_stats (owner_id, lexeme, df)
       select ?, word, ndoc from ts_stat(format('select tsv from chunks where owner_id = %L and tsv is not null', ?::text))`,
      [ownerId, ownerId],
    );
    await trx.raw(
      `insert into owner_index_stats (owner_id, chunk_count, avg_length, updated_at)
       select ?, count(*), coalesce(avg(dl), 1), now() from chunks where owner_id = ? and tsv is not null
       on conflict (owner_id) do update set chunk_count = excluded.chunk_count, avg_length = excluded.avg_length, updated_at = excluded.updated_at`,
      [ownerId, ownerId],
    );
  });
}

/** Adds the words and lengths of the chunks `ids` (just indexed, in this transaction) to the owner's statistics. */
export async function addTermStats(trx: Knex.Transaction, ownerId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const idList = `{${ids.join(',')}}`;
  await trx.raw(
    `insert into owner_term_stats (owner_id, lexeme, df)
     select ?, word, ndoc from ts_stat(format('select tsv from chunks where owner_id = %L and id = any(%L::bigint[])', ?::text, ?::text))
     on conflict (owner_id, lexeme) do update set df = owner_term_stats.df + excluded.df`,
    [ownerId, ownerId, idList],
  );
  await trx.raw(
    `insert into owner_index_stats (owner_id, chunk_count, avg_length, updated_at)
     select ?, count(*), coalesce(avg(dl), 1), now() from chunks where owner_id = ? and id = any(?::bigint[])
     on conflict (owner_id) do update set
       chunk_count = owner_index_stats.chunk_count + excluded.chunk_count,
       avg_length = (owner_index_stats.avg_length * owner_index_stats.chunk_count + excluded.avg_length * excluded.chunk_count)
                    / greatest(owner_index_stats.chunk_count + excluded.chunk_count, 1),
       updated_at = excluded.updated_at`,
    [ownerId, ownerId, idList],
  );
}

/** Takes the chunks `ids` (about to be deleted, in this transaction; those indexed) out of the owner's statistics. */
export async function subtractTermStats(trx: Knex.Transaction, ownerId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const idList = `{${ids.join(',')}}`;
  await trx.raw(
    `update owner_term_stats t set df = t.df - s.ndoc
       from ts_stat(format('select tsv from chunks where owner_id = %L and id = any(%L::bigint[]) and tsv is not null', ?::text, ?::text)) s
      where t.owner_id = ? and t.lexeme = s.word`,
    [ownerId, idList, ownerId],
  );
  await trx.raw(
    `delete from owner_term_stats t
      using ts_stat(format('select tsv from chunks where owner_id = %L and id = any(%L::bigint[]) and tsv is not null', ?::text, ?::text)) s
      where t.owner_id = ? and t.lexeme = s.word and t.df <= 0`,
    [ownerId, idList, ownerId],
  );
  await trx.raw(
    `update owner_index_stats s set
       chunk_count = greatest(s.chunk_count - f.count, 0),
       avg_length = case when s.chunk_count - f.count > 0
                         then (s.avg_length * s.chunk_count - f.total) / (s.chunk_count - f.count) else 1 end,
       updated_at = now()
       from (select count(*) as count, coalesce(sum(dl), 0) as total
               from chunks where owner_id = ? and id = any(?::bigint[]) and tsv is not null) f
      where s.owner_id = ?`,
    [ownerId, idList, ownerId],
  );
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
