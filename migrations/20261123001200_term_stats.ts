// Per-owner search statistics (document frequency per lexeme, chunk count, average length), so a
// query weighs its words without counting matches across the owner's whole index each time.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('owner_term_stats', (t) => {
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('lexeme').notNullable();
    t.integer('df').notNullable();
    t.primary(['owner_id', 'lexeme']);
  });
  await knex.schema.createTable('owner_index_stats', (t) => {
    t.uuid('owner_id').primary().references('owners.id').onDelete('CASCADE');
    t.integer('chunk_count').notNullable();
    t.double('avg_length').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('owner_index_stats');
  await knex.schema.dropTable('owner_term_stats');
}
