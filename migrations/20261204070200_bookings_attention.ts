// Why a booking needs the owner (a move made in Google Calendar that could not be taken, a calendar that
// would not take the booking): shown with the booking until it is moved again.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bookings', (t) => {
    t.text('attention');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bookings', (t) => {
    t.dropColumn('attention');
  });
}
