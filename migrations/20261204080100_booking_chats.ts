// A customer's booking conversation, per chat (owner, channel, the customer's id on it): the guided
// flow's step and choices so far, which expire, and the choices last offered, so a bare "2" or a
// button pressed after a restart is understood. Kept in the database so a restart loses none of it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('booking_chats', (t) => {
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('channel').notNullable();
    t.text('chat_ref').notNullable();
    t.jsonb('flow');
    t.timestamp('flow_expires_at', { useTz: true });
    t.jsonb('offered').notNullable().defaultTo('[]');
    t.timestamp('offered_at', { useTz: true });
    // The language the chat was last spoken to in: a button's label ("10:00") tells none.
    t.text('language');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['owner_id', 'channel', 'chat_ref']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('booking_chats');
}
