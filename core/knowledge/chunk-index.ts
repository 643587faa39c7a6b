// The owner's search index, written in short steps. On the embedded default the database runs on the
// thread that serves requests and has one connection: a statement over a whole large file would hold
// both for seconds. So a file's chunks are stored at upload in batches (rows without a search vector,
// which no search finds), and training indexes them a batch at a time, each batch one short transaction
// that also updates the owner's term statistics, yielding to the event loop in between. Only chunks of a
// `ready` file answer (hybrid-search.ts, vector-search.ts), so a file never answers half-indexed.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Knex } from 'knex';
import { addTermStats, subtractTermStats } from './term-stats.ts';
import { normalizeSearchText, TSVECTOR_SQL } from './text-search-config.ts';

export interface ChunkInput {
  position: number;
  text: string;
  headingPath: string[];
  tokenCount: number;
}

/** A stored chunk training has still to index. */
export interface PendingChunk {
  id: string;
  position: number;
  text: string;
  headingPath: string[];
}

/** Rows and characters per insert at upload: a few tens of milliseconds each on the embedded database. */
const STORE_BATCH_ROWS = 200;
const STORE_BATCH_CHARS = 200_000;
/** Chunks per indexing transaction: computing search vectors is the expensive part (~1 ms per chunk embedded). */
export const INDEX_BATCH_ROWS = 32;

/** Headings are searchable too: "Prices › Nails" helps a question about nail prices. */
export function searchableText(chunk: { headingPath: readonly string[]; text: string }): string {
  return normalizeSearchText([...chunk.headingPath, chunk.text].join('\n'));
}

function storedRow(ownerId: string, fileId: string, chunk: ChunkInput) {
  return {
    owner_id: ownerId,
    file_id: fileId,
    position: chunk.position,
    text: chunk.text,
    heading_path: chunk.headingPath,
    token_count: chunk.tokenCount,
  };
}

/** Stores the chunks a file was read into, unindexed, in batches that each leave the database free for a moment. */
export async function storeChunks(
  db: Knex,
  ownerId: string,
  fileId: string,
  chunks: readonly ChunkInput[],
): Promise<void> {
  let batch: ChunkInput[] = [];
  let chars = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await db('chunks').insert(batch.map((chunk) => storedRow(ownerId, fileId, chunk)));
    batch = [];
    chars = 0;
    await yieldToEventLoop();
  };
  for (const chunk of chunks) {
    batch.push(chunk);
    chars += chunk.text.length;
    if (batch.length >= STORE_BATCH_ROWS || chars >= STORE_BATCH_CHARS) await flush();
  }
  await flush();
}

/** The file's next chunks (in order) that have no search vector yet. */
export async function pendingChunks(db: Knex, ownerId: string, fileId: string, limit: number): Promise<PendingChunk[]> {
  const rows = await db('chunks')
    .where({ owner_id: ownerId, file_id: fileId })
    .whereNull('tsv')
    .orderBy('position')
    .limit(limit)
    .select<{ id: string | number; position: number; text: string; heading_path: string[] }[]>(
      'id',
      'position',
      'text',
      'heading_path',
    );
  return rows.map((row) => ({
    id: String(row.id),
    position: row.position,
    text: row.text,
    headingPath: row.heading_path,
  }));
}

/** How many of the file's chunks there are, and how many are indexed. */
export async function chunkProgress(
  db: Knex,
  ownerId: string,
  fileId: string,
): Promise<{ total: number; indexed: number }> {
  const row = await db('chunks')
    .where({ owner_id: ownerId, file_id: fileId })
    .first<{ total: string | number; indexed: string | number }>(
      db.raw('count(*) as total'),
      db.raw('count(tsv) as indexed'),
    );
  return { total: Number(row?.total ?? 0), indexed: Number(row?.indexed ?? 0) };
}

/**
 * Writes the search vectors (and embeddings) of a batch and adds its words to the owner's term
 * statistics, in one transaction that holds the file's row, so a delete of the file waits for it (and
 * never subtracts statistics of chunks it did not see). Returns false when the file is gone.
 */
export async function indexChunks(
  db: Knex,
  ownerId: string,
  fileId: string,
  batch: readonly PendingChunk[],
  embeddings?: readonly number[][],
): Promise<boolean> {
  if (batch.length === 0) return true;
  const indexed = await db.transaction(async (trx) => {
    const file = await trx('files').where({ owner_id: ownerId, id: fileId }).forUpdate().first('id');
    if (!file) return undefined;
    const values = batch.map(() => '(?::bigint, ?::text, ?::real[])').join(', ');
    const bindings = batch.flatMap((chunk, index) => [chunk.id, searchableText(chunk), embeddings?.[index] ?? null]);
    const result = await trx.raw(
      `update chunks c set tsv = ${TSVECTOR_SQL.replaceAll('?', 'v.searchable')}, embedding = coalesce(v.embedding, c.embedding)
         from (values ${values}) as v(id, searchable, embedding)
        where c.id = v.id and c.owner_id = ? and c.file_id = ? and c.tsv is null
       returning c.id`,
      [...bindings, ownerId, fileId],
    );
    const ids = (result.rows as { id: string | number }[]).map((row) => String(row.id));
    await addTermStats(trx, ownerId, ids);
    return ids;
  });
  return indexed !== undefined;
}

/** Deletes a file (its chunks go with it) and takes its indexed words out of the owner's term statistics. */
export async function deleteFileAndChunks(db: Knex, ownerId: string, fileId: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const file = await trx('files').where({ owner_id: ownerId, id: fileId }).forUpdate().first('id');
    if (!file) return false;
    await subtractTermStats(trx, ownerId, fileId);
    await trx('files').where({ owner_id: ownerId, id: fileId }).delete();
    return true;
  });
}

/**
 * Replaces a file's chunks with indexed ones in one transaction: for seeding an index directly (tests,
 * benchmarks), where a file is small and nothing else waits. The owner's statistics are left to
 * `refreshTermStats`.
 */
export async function replaceFileChunks(
  db: Knex,
  ownerId: string,
  fileId: string,
  chunks: ChunkInput[],
  embeddings?: number[][],
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('chunks').where({ owner_id: ownerId, file_id: fileId }).delete();
    for (let start = 0; start < chunks.length; start += STORE_BATCH_ROWS) {
      const rows = chunks.slice(start, start + STORE_BATCH_ROWS).map((chunk, offset) => {
        const searchable = searchableText(chunk);
        return {
          ...storedRow(ownerId, fileId, chunk),
          tsv: trx.raw(TSVECTOR_SQL, [searchable, searchable]),
          embedding: embeddings?.[start + offset] ?? null,
        };
      });
      await trx('chunks').insert(rows);
    }
  });
}
