// The choices an answer offered (buttons, a list, numbered options): [{id, label}], so a channel that
// sends the answer later still shows them, and the owner sees them in the history.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.jsonb('actions');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('actions');
  });
}
