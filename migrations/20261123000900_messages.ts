// Messages of a chat. `external_id` is unique per chat so a message delivered twice is handled once.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('messages', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.uuid('chat_id').notNullable().references('chats.id').onDelete('CASCADE');
    t.text('sender').notNullable();
    t.text('text').notNullable();
    t.jsonb('sources').notNullable().defaultTo('[]');
    t.integer('prompt_tokens').notNullable().defaultTo(0);
    t.integer('completion_tokens').notNullable().defaultTo(0);
    t.text('external_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['chat_id', 'external_id']);
    t.index(['chat_id', 'created_at']);
  });
  await knex.raw(
    `alter table messages add constraint messages_sender_check check (sender in ('customer', 'ai', 'owner'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('messages');
}
