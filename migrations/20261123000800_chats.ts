// One conversation with one customer on one channel.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chats', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.uuid('integration_id').references('integrations.id').onDelete('SET NULL');
    t.text('channel').notNullable();
    t.text('external_id').notNullable();
    t.text('customer_name');
    t.text('customer_username');
    t.integer('unread').notNullable().defaultTo(0);
    t.text('last_message');
    t.timestamp('last_message_at', { useTz: true });
    t.boolean('bot_paused').notNullable().defaultTo(false);
    t.boolean('needs_attention').notNullable().defaultTo(false);
    t.boolean('customer_blocked').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['owner_id', 'channel', 'external_id']);
    t.index(['owner_id', 'last_message_at']);
  });
  await knex.raw(
    `alter table chats add constraint chats_channel_check check (channel in ('telegram', 'whatsapp', 'web', 'test'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('chats');
}
