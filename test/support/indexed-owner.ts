// An owner whose search index holds given texts, written straight through the index (no upload, no
// training run): for search tests that need exact control over what is indexed.
import type { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import { replaceFileChunks } from '../../core/knowledge/chunk-index.ts';
import { refreshTermStats } from '../../core/knowledge/term-stats.ts';
import { createDatabase, migrateToLatest, type Database } from '../../infra/database.ts';

/** Each text becomes one chunk of one ready file; the owner's term statistics are refreshed. */
async function ownerWithIndexedTexts(db: Knex, texts: readonly string[], options: { fileName?: string; tokenCount?: number } = {}): Promise<{ ownerId: string; fileId: string }> {
  const tag = randomBytes(4).toString('hex');
  const [owner] = await db('owners').insert({ email: `indexed-${tag}@example.com`, password_hash: 'x', salon_name: 'S' }).returning<{ id: string }[]>('id');
  const fileName = options.fileName ?? 'notes.txt';
  const [file] = await db('files')
    .insert({ owner_id: owner!.id, name: fileName, size: 1, type: fileName.split('.').pop(), sha256: tag, status: 'ready' })
    .returning<{ id: string }[]>('id');
  await replaceFileChunks(db, owner!.id, file!.id, texts.map((text, position) => ({ position, text, headingPath: [], tokenCount: options.tokenCount ?? 10 })));
  await refreshTermStats(db, owner!.id);
  return { ownerId: owner!.id, fileId: file!.id };
}

/** A fresh in-memory database (migrated) with one such owner: a search suite's whole set-up. */
export async function databaseWithIndexedTexts(texts: readonly string[], options: { fileName?: string; tokenCount?: number } = {}): Promise<{ db: Database; ownerId: string }> {
  const db = createDatabase({ kind: 'pglite-memory' });
  await migrateToLatest(db.knex);
  const { ownerId } = await ownerWithIndexedTexts(db.knex, texts, options);
  return { db, ownerId };
}
