// Retrieval units. `generation` lets a new index be built beside the one that keeps answering.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chunks', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.uuid('file_id').notNullable().references('files.id').onDelete('CASCADE');
    t.integer('generation').notNullable().defaultTo(0);
    t.integer('position').notNullable();
    t.text('text').notNullable();
    t.specificType('heading_path', 'text[]').notNullable().defaultTo('{}');
    t.integer('token_count').notNullable().defaultTo(0);
    t.text('language');
    t.specificType('tsv', 'tsvector');
    t.specificType('embedding', 'real[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id', 'file_id']);
  });
  await knex.raw('create index chunks_tsv_idx on chunks using gin (tsv)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('chunks');
}
