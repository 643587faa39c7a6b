// Maintains the owner's search statistics from the index itself (PostgreSQL's ts_stat). Refreshed
// after training and after a delete; a chunk indexed since the last refresh still matches, its words
// simply count as rare until then.
import type { Knex } from 'knex';

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
       select ?, count(*), coalesce(avg(length(tsv)), 1), now() from chunks where owner_id = ?
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

export async function loadTermStats(db: Knex, ownerId: string, lexemes: string[]): Promise<TermStats> {
  const [index, terms] = await Promise.all([
    db('owner_index_stats').where({ owner_id: ownerId }).first<{ chunk_count: number; avg_length: number } | undefined>('chunk_count', 'avg_length'),
    db('owner_term_stats').where({ owner_id: ownerId }).whereIn('lexeme', lexemes).select<{ lexeme: string; df: number }[]>('lexeme', 'df'),
  ]);
  return {
    chunkCount: Number(index?.chunk_count ?? 0),
    avgLength: Number(index?.avg_length ?? 1),
    df: new Map(terms.map((row) => [row.lexeme, Number(row.df)])),
  };
}
