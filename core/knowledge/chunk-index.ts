// The owner's search index, written in short steps. On the embedded default the database runs on the
// thread that serves requests and has one connection: a statement over a whole large file would hold
// both for seconds. So a file's chunks are stored at upload in batches (rows without a search vector,
// which no search finds), and training indexes them a batch at a time, each batch one short transaction
// that also updates the owner's term statistics, paced (batch-pacing.ts) so requests get the database in
// between. Only chunks of a `ready` file answer (hybrid-search.ts, vector-search.ts), so a file never
// answers half-indexed.
import type { Knex } from 'knex';
import { AdaptiveBatchSize, type Pacer, turnOfEventLoop } from './batch-pacing.ts';
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

/** How long one batch of storing, indexing or deleting should hold the database (batch-pacing.ts). */
const BATCH_TARGET_MS = 30;
/** Rows per insert of a seeding `replaceFileChunks` (one transaction anyway). */
const SEED_BATCH_ROWS = 200;

/**
 * Batch sizes for one file's chunks. Indexing costs about 2 ms a chunk on the embedded database, storing
 * and deleting far less. The floors keep a loaded machine (every batch slow, however small) from
 * shrinking batches until a large file takes many minutes: below them, fixed costs per batch dominate.
 */
const storeBatchSize = () => new AdaptiveBatchSize({ initial: 64, min: 32, max: 512, targetMs: BATCH_TARGET_MS });
export const indexBatchSize = () => new AdaptiveBatchSize({ initial: 16, min: 8, max: 64, targetMs: BATCH_TARGET_MS });
const deleteBatchSize = () => new AdaptiveBatchSize({ initial: 64, min: 32, max: 512, targetMs: BATCH_TARGET_MS });

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
  pace: Pacer = turnOfEventLoop,
): Promise<void> {
  const size = storeBatchSize();
  for (let start = 0; start < chunks.length; ) {
    const batch = chunks.slice(start, start + size.next);
    const started = performance.now();
    await db('chunks').insert(batch.map((chunk) => storedRow(ownerId, fileId, chunk)));
    const took = performance.now() - started;
    size.record(batch.length, took);
    start += batch.length;
    await pace(took);
  }
}

/**
 * The file's next chunks that have no search vector yet, in order: by id, which follows their position
 * (stored in order), so each batch is a range of the primary key, not a scan of the whole file.
 */
export async function pendingChunks(
  db: Knex,
  ownerId: string,
  fileId: string,
  limit: number,
  afterId = '0',
): Promise<PendingChunk[]> {
  const rows = await db('chunks')
    .where({ owner_id: ownerId, file_id: fileId })
    .where('id', '>', afterId)
    .whereNull('tsv')
    .orderBy('id')
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

/**
 * Deletes a file's chunks a batch at a time, each batch taking its words out of the owner's statistics in
 * the same transaction, then the file itself unless `keepFile`. The caller has made the file unseen first
 * (status `deleting`), or keeps it from answering (a file being read again is not `ready`).
 */
export async function deleteFileInBatches(
  db: Knex,
  ownerId: string,
  fileId: string,
  options: { keepFile?: boolean; pace?: Pacer } = {},
): Promise<void> {
  const pace = options.pace ?? turnOfEventLoop;
  const size = deleteBatchSize();
  for (;;) {
    const started = performance.now();
    let count = 0;
    const finished = await db.transaction(async (trx) => {
      const file = await trx('files').where({ owner_id: ownerId, id: fileId }).forUpdate().first('id');
      if (!file) return true;
      const rows = await trx('chunks')
        .where({ owner_id: ownerId, file_id: fileId })
        .orderBy('id')
        .limit(size.next)
        .select<{ id: string | number }[]>('id');
      count = rows.length;
      if (rows.length === 0) {
        if (!options.keepFile) await trx('files').where({ owner_id: ownerId, id: fileId }).delete();
        return true;
      }
      const ids = rows.map((row) => String(row.id));
      await subtractTermStats(trx, ownerId, ids);
      await trx('chunks').where({ owner_id: ownerId }).whereIn('id', ids).delete();
      return false;
    });
    if (finished) return;
    const took = performance.now() - started;
    size.record(count, took);
    await pace(took);
  }
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
    for (let start = 0; start < chunks.length; start += SEED_BATCH_ROWS) {
      const rows = chunks.slice(start, start + SEED_BATCH_ROWS).map((chunk, offset) => {
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
