// Channel and calendar connections. Secrets are sealed (AES-256-GCM) before they reach this table.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('integrations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('type').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.text('status_reason');
    // The outside identity (Telegram bot id, WhatsApp phone id): one owner per bot.
    t.text('external_ref');
    t.jsonb('public_info').notNullable().defaultTo('{}');
    t.text('secrets_sealed');
    t.timestamp('connected_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id']);
    t.unique(['type', 'external_ref']);
  });
  await knex.raw(
    `alter table integrations add constraint integrations_type_check check (type in ('telegram', 'whatsapp', 'calendar'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('integrations');
}
