// The owner's own busy events in a connected calendar (not our bookings), as the last sync saw them.
// freeBusy cannot tell our events from the owner's; this list says where the owner's are, so taking
// our bookings out of freeBusy's answer never frees time one of the owner's events also covers.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calendar_busy_events', (t) => {
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('event_id').notNullable();
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('ends_at', { useTz: true }).notNullable();
    t.primary(['integration_id', 'event_id']);
    t.index(['owner_id', 'integration_id', 'starts_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('calendar_busy_events');
}
