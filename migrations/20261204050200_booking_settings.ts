// Each owner's booking rules. The timezone is not here: it is the account's (owners.timezone).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('booking_settings', (t) => {
    t.uuid('owner_id').primary().references('owners.id').onDelete('CASCADE');
    t.integer('slot_minutes').notNullable().defaultTo(30);
    t.integer('min_notice_minutes').notNullable().defaultTo(60);
    t.integer('horizon_days').notNullable().defaultTo(30);
    // {"mon": [["10:00", "20:00"]], ..., "sun": []}: local times, several ranges for breaks.
    t.jsonb('hours').notNullable();
    // {"2026-12-31": [], "2026-12-24": [["10:00", "14:00"]]}: dates closed or with special hours.
    t.jsonb('exceptions').notNullable().defaultTo('{}');
    t.integer('reminder_minutes')
      .notNullable()
      .defaultTo(24 * 60);
    // The feed's secret: sealed (to show the owner its URL again) and hashed (to find the owner by it).
    t.text('ics_token_sealed').notNullable();
    t.text('ics_token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('booking_settings');
}
