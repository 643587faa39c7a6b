// An owner whose search index holds given texts, written straight through the index (no upload, no
// training run): for search tests that need exact control over what is indexed.
import type { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import { replaceFileChunks } from '../../core/knowledge/chunk-index.ts';
import { refreshTermStats } from '../../core/knowledge/term-stats.ts';
import { searchChunks, type SearchHit, type SearchOptions } from '../../core/knowledge/hybrid-search.ts';
import { createDatabase, migrateToLatest, type Database } from '../../infra/database.ts';

/** Each text becomes one chunk of one ready file; the owner's term statistics are refreshed. */
async function ownerWithIndexedTexts(
  db: Knex,
  texts: readonly string[],
  options: { fileName?: string; tokenCount?: number } = {},
): Promise<{ ownerId: string; fileId: string }> {
  const tag = randomBytes(4).toString('hex');
  const [owner] = await db('owners')
    .insert({ email: `indexed-${tag}@example.com`, password_hash: 'x', salon_name: 'S' })
    .returning<{ id: string }[]>('id');
  const fileName = options.fileName ?? 'notes.txt';
  const [file] = await db('files')
    .insert({
      owner_id: owner!.id,
      name: fileName,
      size: 1,
      type: fileName.split('.').pop(),
      sha256: tag,
      status: 'ready',
    })
    .returning<{ id: string }[]>('id');
  await replaceFileChunks(
    db,
    owner!.id,
    file!.id,
    texts.map((text, position) => ({ position, text, headingPath: [], tokenCount: options.tokenCount ?? 10 })),
  );
  await refreshTermStats(db, owner!.id);
  return { ownerId: owner!.id, fileId: file!.id };
}

/** A fresh in-memory database (migrated) with one such owner. */
async function databaseWithIndexedTexts(
  texts: readonly string[],
  options: { fileName?: string; tokenCount?: number } = {},
): Promise<{ db: Database; ownerId: string }> {
  const db = createDatabase({ kind: 'pglite-memory' });
  await migrateToLatest(db.knex);
  const { ownerId } = await ownerWithIndexedTexts(db.knex, texts, options);
  return { db, ownerId };
}

export interface IndexedSuite {
  /** The suite's database (once its `before` has run). */
  readonly knex: Knex;
  readonly ownerId: string;
  search(question: string, options?: SearchOptions): Promise<SearchHit[]>;
  /** The texts of the hits, best first. */
  found(question: string): Promise<string[]>;
}

/**
 * A search suite's whole set-up, called inside its `describe`: a fresh in-memory database whose owner's
 * index holds `texts` (made before the suite's tests, closed after them), and searching it.
 */
export function indexedSuite(
  texts: readonly string[],
  options: { fileName?: string; tokenCount?: number } = {},
): IndexedSuite {
  let database: { db: Database; ownerId: string } | undefined;
  before(async () => {
    database = await databaseWithIndexedTexts(texts, options);
  });
  after(() => database?.db.close());
  const current = () => {
    if (!database) throw new Error("the indexed database is made in the suite's before hook");
    return database;
  };
  const search = (question: string, searchOptions?: SearchOptions) =>
    searchChunks(current().db.knex, current().ownerId, question, searchOptions);
  return {
    get knex() {
      return current().db.knex;
    },
    get ownerId() {
      return current().ownerId;
    },
    search,
    found: async (question) => (await search(question)).map((hit) => hit.text),
  };
}
