// knex CLI configuration (`npx knex migrate:...`); the app itself migrates through infra/database.ts.
import { migrationConfig } from './infra/migrations.ts';

const config = process.env.DATABASE_URL
  ? { client: 'pg', connection: process.env.DATABASE_URL, migrations: migrationConfig() }
  : {
      client: 'knex-pglite',
      connection: { filename: `${process.env.DATA_DIR ?? './data'}/pgdata` },
      migrations: migrationConfig(),
    };

export default config;
