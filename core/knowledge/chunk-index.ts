// Writes a file's chunks into the owner's search index. A file's chunks are replaced in one
// transaction, so search sees either the old chunks or the new ones, never a half-built file.
import type { Knex } from 'knex';
import { normalizeSearchText, TSVECTOR_SQL } from './text-search-config.ts';

export interface ChunkInput {
  position: number;
  text: string;
  headingPath: string[];
  tokenCount: number;
}

const INSERT_BATCH = 200;

export async function replaceFileChunks(
  db: Knex,
  ownerId: string,
  fileId: string,
  chunks: ChunkInput[],
  embeddings?: number[][],
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('chunks').where({ owner_id: ownerId, file_id: fileId }).delete();
    for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
      const rows = chunks.slice(start, start + INSERT_BATCH).map((chunk, offset) => {
        // Headings are searchable too: "Prices › Nails" helps a question about nail prices.
        const searchable = normalizeSearchText([...chunk.headingPath, chunk.text].join('\n'));
        return {
          owner_id: ownerId,
          file_id: fileId,
          position: chunk.position,
          text: chunk.text,
          heading_path: chunk.headingPath,
          token_count: chunk.tokenCount,
          tsv: trx.raw(TSVECTOR_SQL, [searchable, searchable]),
          embedding: embeddings?.[start + offset] ?? null,
        };
      });
      await trx('chunks').insert(rows);
    }
  });
}

export async function deleteFileChunks(db: Knex, ownerId: string, fileId: string): Promise<void> {
  await db('chunks').where({ owner_id: ownerId, file_id: fileId }).delete();
}
