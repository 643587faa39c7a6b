// One database per test run: a fresh PostgreSQL database when DATABASE_URL is set (created and dropped
// here), otherwise an in-memory PGlite. Tests never share rows: each creates its own owners.
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDatabase, migrateToLatest, type Database } from '../../infra/database.ts';

export interface TestDatabase {
  db: Database;
  /** The URL of this run's own database (PostgreSQL only), for processes the tests start. */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const db = createDatabase({ kind: 'pglite-memory' });
    await migrateToLatest(db.knex);
    return { db, drop: () => db.close() };
  }
  const name = `frontdesk_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ kind: 'postgres', url: url.toString() });
  await migrateToLatest(db.knex);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await admin.raw(`drop database if exists ${name} with (force)`);
      await admin.destroy();
    },
  };
}
