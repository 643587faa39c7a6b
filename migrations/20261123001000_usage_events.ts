// Every model and embedding call, with tokens and cost, for the owner's usage and budgets.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('usage_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.text('model').notNullable();
    t.integer('prompt_tokens').notNullable().defaultTo(0);
    t.integer('completion_tokens').notNullable().defaultTo(0);
    t.decimal('cost_usd', 14, 6).notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('usage_events');
}
