// A booking's event in the owner's external calendar (Google): which connection holds it, its id, and
// what our last successful write put there (times, and the calendar's own change time). A sync compares
// them with the booking to tell the owner's changes in Google from our own writes still on their way.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bookings', (t) => {
    t.uuid('calendar_integration_id').references('integrations.id').onDelete('SET NULL');
    t.text('calendar_event_id');
    t.timestamp('calendar_event_starts_at', { useTz: true });
    t.timestamp('calendar_event_ends_at', { useTz: true });
    t.timestamp('calendar_event_updated', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bookings', (t) => {
    t.dropColumn('calendar_event_updated');
    t.dropColumn('calendar_event_ends_at');
    t.dropColumn('calendar_event_starts_at');
    t.dropColumn('calendar_event_id');
    t.dropColumn('calendar_integration_id');
  });
}
