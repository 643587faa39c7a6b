// The choice a customer message made (the id of the button pressed; its text is the button's label),
// so the answer to it, even one prepared again after a restart, acts on the choice and not the words.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.text('action');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('action');
  });
}
