// `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR.
import path from 'node:path';
import { loadConfig } from '../core/config.ts';
import { createDatabase, migrateToLatest } from '../infra/database.ts';

const config = loadConfig(process.env);
const db = createDatabase(
  config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dir: path.join(config.dataDir, 'pgdata') },
);
try {
  const applied = await migrateToLatest(db.knex);
  process.stdout.write(
    applied.length ? `Applied ${applied.length} migration(s):\n${applied.join('\n')}\n` : 'Database is up to date\n',
  );
} finally {
  await db.close();
}
