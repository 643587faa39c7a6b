// Hybrid retrieval: BM25 full-text hits and, when embeddings are configured, vector hits, fused by
// reciprocal rank. Each list applies its own relevance floor first, so fusion never promotes noise.
import type { Knex } from 'knex';
import type { EmbeddingModel, EmbeddingResult } from '../ports/chat-model.ts';
import type { Logger } from 'pino';
import { searchChunks, type SearchHit } from './hybrid-search.ts';
import { hasPgvector, vectorSearch } from './vector-search.ts';
import { ModelError } from '../errors.ts';

const RRF_K = 60;

export interface RetrieverOptions {
  db: Knex;
  embeddings?: EmbeddingModel;
  logger?: Logger;
  minSimilarity?: number;
  onEmbeddingUsage?: (ownerId: string, model: string, tokens: number) => Promise<void>;
}

export type Retriever = ReturnType<typeof createRetriever>;

export function createRetriever(options: RetrieverOptions) {
  const { db, embeddings } = options;
  const minSimilarity = options.minSimilarity ?? 0.3;
  // Looked up on first use (not at start-up): whether this database has pgvector does not change.
  let pgvector: Promise<boolean> | undefined;

  return {
    async retrieve(ownerId: string, query: string, limit: number): Promise<SearchHit[]> {
      const pool = limit * 3;
      const lexical = await searchChunks(db, ownerId, query, { limit: pool });
      if (!embeddings) return lexical.slice(0, limit);
      let embedded: EmbeddingResult;
      try {
        embedded = await embeddings.embed([query]);
      } catch (error) {
        // The embedding server being down must not take answers down: full-text search still works.
        if (!(error instanceof ModelError)) throw error;
        options.logger?.warn({ err: error, ownerId }, 'query embedding failed; using full-text search only');
        return lexical.slice(0, limit);
      }
      await options.onEmbeddingUsage?.(ownerId, embedded.model, embedded.usage.promptTokens);
      const vector = embedded.vectors[0];
      if (!vector) return lexical.slice(0, limit);
      const semantic = await vectorSearch(db, ownerId, vector, {
        limit: pool,
        minSimilarity,
        pgvector: await (pgvector ??= hasPgvector(db).catch((error: unknown) => {
          pgvector = undefined;
          throw error;
        })),
      });
      const fused = new Map<string, number>();
      for (const ranked of [lexical, semantic]) {
        for (const [rank, hit] of ranked.entries()) {
          fused.set(hit.chunkId, (fused.get(hit.chunkId) ?? 0) + 1 / (RRF_K + rank + 1));
        }
      }
      const byId = new Map(lexical.map((hit) => [hit.chunkId, hit]));
      const missing = semantic.map((hit) => hit.chunkId).filter((id) => !byId.has(id));
      if (missing.length > 0) {
        const rows = await db('chunks')
          .join('files', function () {
            this.on('files.id', '=', 'chunks.file_id').andOn('files.owner_id', '=', 'chunks.owner_id');
          })
          .where({ 'chunks.owner_id': ownerId })
          .whereIn('chunks.id', missing)
          .select<
            {
              id: string | number;
              file_id: string;
              file_name: string;
              position: number;
              text: string;
              heading_path: string[];
            }[]
          >(
            'chunks.id',
            'chunks.file_id',
            'files.name as file_name',
            'chunks.position',
            'chunks.text',
            'chunks.heading_path',
          );
        const similarity = new Map(semantic.map((hit) => [hit.chunkId, hit.similarity]));
        for (const row of rows) {
          const id = String(row.id);
          byId.set(id, {
            chunkId: id,
            fileId: row.file_id,
            fileName: row.file_name,
            position: row.position,
            text: row.text,
            headingPath: row.heading_path,
            score: 0,
            coverage: similarity.get(id) ?? 0,
          });
        }
      }
      return [...fused.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([id]) => byId.get(id))
        .filter((hit): hit is SearchHit => hit !== undefined)
        .slice(0, limit);
    },
  };
}
