// The business's address, for booking confirmations (when unset, one is looked for in the owner's files).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('booking_settings', (t) => {
    t.text('address');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('booking_settings', (t) => {
    t.dropColumn('address');
  });
}
