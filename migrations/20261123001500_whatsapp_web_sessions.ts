// whatsapp-web.js session archives (RemoteAuth), sealed with the encryption key: a restart, or another
// process taking the session over, reconnects without a new QR scan. Deleting the integration forgets it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('whatsapp_web_sessions', (t) => {
    t.uuid('integration_id').primary().references('integrations.id').onDelete('CASCADE');
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('archive_sealed').notNullable();
    t.integer('archive_bytes').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('whatsapp_web_sessions');
}
