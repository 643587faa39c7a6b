// Retrieval over one owner's chunks: full-text search ranked with BM25 (IDF-weighted, unlike ts_rank),
// computed in PostgreSQL from the tsvectors themselves. Every query is filtered by owner first.
import type { Knex } from 'knex';
import { queryTermGroups } from './query-terms.ts';

export interface SearchHit {
  chunkId: string;
  fileId: string;
  position: number;
  text: string;
  headingPath: string[];
  score: number;
  /** Share of the question's weight (IDF over its words) this chunk matches, 0..1: the relevance floor's basis. */
  coverage: number;
}

export interface SearchOptions {
  limit?: number;
  /** Hits matching less than this share of the question's weight are dropped (default 0.3). */
  minCoverage?: number;
}

const K1 = 1.2;
const B = 0.75;

export async function searchChunks(db: Knex, ownerId: string, query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
  const limit = options.limit ?? 5;
  const minCoverage = options.minCoverage ?? 0.3;
  const groups = await queryTermGroups(db, query);
  if (groups.length === 0) return [];
  const lexemes = groups.flatMap((group) => group.lexemes);
  const groupOf = groups.flatMap((group, index) => group.lexemes.map(() => index));
  // A word's frequency in a chunk is the sum over its variants; its IDF counts chunks with any variant.
  const result = await db.raw(
    `with q as (select * from unnest(?::text[], ?::int[]) as t(lexeme, grp)),
     groups as (select distinct grp from q),
     stats as (select count(*)::float8 as n, coalesce(avg(length(tsv)), 1)::float8 as avgdl from chunks where owner_id = ?),
     cand as (
       select id, tsv, length(tsv)::float8 as dl from chunks
        where owner_id = ? and tsv @@ (select string_agg(quote_literal(lexeme), ' | ') from q)::tsquery
     ),
     tf as (
       select cand.id, q.grp, sum(coalesce(array_length(u.positions, 1), 1))::float8 as tf, min(cand.dl) as dl
         from cand cross join lateral unnest(cand.tsv) u join q on q.lexeme = u.lexeme
        group by cand.id, q.grp
     ),
     df as (select grp, count(*)::float8 as df from tf group by grp),
     idf as (
       select groups.grp, ln(1 + (stats.n - coalesce(df.df, 0) + 0.5) / (coalesce(df.df, 0) + 0.5)) as idf
         from groups cross join stats left join df on df.grp = groups.grp
     ),
     scored as (
       select tf.id,
              sum(idf.idf * tf.tf * ${K1 + 1} / (tf.tf + ${K1} * (1 - ${B} + ${B} * tf.dl / stats.avgdl))) as score,
              sum(idf.idf) / nullif((select sum(idf) from idf), 0) as coverage
         from tf join idf on idf.grp = tf.grp cross join stats
        group by tf.id
     )
     select c.id, c.file_id, c.position, c.text, c.heading_path, s.score, s.coverage
       from scored s join chunks c on c.id = s.id
      where c.owner_id = ? and s.coverage >= ?
      order by s.score desc, c.id
      limit ?`,
    [lexemes, groupOf, ownerId, ownerId, ownerId, minCoverage, limit],
  );
  return (result.rows as { id: string | number; file_id: string; position: number; text: string; heading_path: string[]; score: number; coverage: number }[]).map(
    (row) => ({
      chunkId: String(row.id),
      fileId: row.file_id,
      position: row.position,
      text: row.text,
      headingPath: row.heading_path,
      score: Number(row.score),
      coverage: Number(row.coverage),
    }),
  );
}
