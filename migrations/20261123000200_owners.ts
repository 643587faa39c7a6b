import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('owners', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable();
    t.text('password_hash').notNullable();
    t.text('salon_name').notNullable();
    t.text('role').notNullable().defaultTo('user');
    t.text('timezone').notNullable().defaultTo('UTC');
    t.text('language').notNullable().defaultTo('ru');
    t.timestamp('trial_end_date', { useTz: true });
    t.boolean('is_active').notNullable().defaultTo(true);
    t.text('prompt');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table owners add constraint owners_role_check check (role in ('admin', 'user', 'guest'))`);
  // Emails are unique whatever their case: "Anna@x.com" and "anna@x.com" are one person.
  await knex.raw('create unique index owners_email_lower_unique on owners (lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('owners');
}
