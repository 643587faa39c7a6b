// Where each connected calendar's incremental sync stands: Google's sync token (a cursor, not a
// credential) and when the last sync finished, so "fresh enough" needs no call to Google.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calendar_sync_states', (t) => {
    t.uuid('integration_id').primary().references('integrations.id').onDelete('CASCADE');
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('sync_token');
    t.timestamp('synced_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('calendar_sync_states');
}
