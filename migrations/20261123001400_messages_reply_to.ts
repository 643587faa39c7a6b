// An AI reply records the newest customer message it answered, so a message that arrived while the
// answer was being prepared is still recognised as unanswered.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.bigInteger('reply_to_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('reply_to_id');
  });
}
