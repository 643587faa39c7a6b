// Optional extensions: pg_trgm and pgvector are used when the server has them (PGlite ships both).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  for (const name of ['pg_trgm', 'vector']) {
    // A savepoint, so a server without the extension (or without the right to create it) just goes on.
    try {
      await knex.transaction(async (trx) => {
        await trx.raw(`create extension if not exists ${name}`);
      });
    } catch {
      // Absent: retrieval falls back to full-text search only / exact in-process vector search.
    }
  }
}

export async function down(): Promise<void> {
  // Extensions may be shared with other schemas on the server; leaving them installed is harmless.
}
