// Exact nearest-neighbour search over one owner's chunk embeddings: with pgvector when the database
// has it, with plain SQL over real[] otherwise. Exact on purpose: a global approximate index with an
// owner filter applied afterwards loses most of the recall at this product's selectivity. Only chunks of
// ready files answer (a file being indexed answers once all of it can).
import type { Knex } from 'knex';

export interface VectorHit {
  chunkId: string;
  similarity: number;
}

export async function hasPgvector(db: Knex): Promise<boolean> {
  const result = await db.raw(`select 1 from pg_extension where extname = 'vector'`);
  return result.rows.length > 0;
}

export async function vectorSearch(
  db: Knex,
  ownerId: string,
  vector: number[],
  options: { limit: number; minSimilarity: number; pgvector: boolean },
): Promise<VectorHit[]> {
  const sql = options.pgvector
    ? `select id, 1 - (embedding::vector <=> ?::vector) as similarity from chunks
        where owner_id = ? and embedding is not null and cardinality(embedding) = ?
          and file_id in (select id from files where owner_id = ? and status = 'ready')
        order by embedding::vector <=> ?::vector limit ?`
    : `select id, similarity from (
         select c.id, (select sum(a * b) / nullif(sqrt(sum(a * a)) * sqrt(sum(b * b)), 0) from unnest(c.embedding, ?::real[]) as t(a, b)) as similarity
           from chunks c
          where c.owner_id = ? and c.embedding is not null and cardinality(c.embedding) = ?
            and c.file_id in (select id from files where owner_id = ? and status = 'ready')
       ) scored order by similarity desc nulls last limit ?`;
  const literal = `[${vector.join(',')}]`;
  const bindings = options.pgvector
    ? [literal, ownerId, vector.length, ownerId, literal, options.limit]
    : [vector, ownerId, vector.length, ownerId, options.limit];
  const result = await db.raw(sql, bindings);
  return (result.rows as { id: string | number; similarity: number | null }[])
    .map((row) => ({ chunkId: String(row.id), similarity: Number(row.similarity ?? 0) }))
    .filter((hit) => hit.similarity >= options.minSimilarity);
}
