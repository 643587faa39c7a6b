// Training runs per owner; a heartbeat lets a restarted process tell a dead run from a live one.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('training_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('training');
    t.double('progress').notNullable().defaultTo(0);
    t.text('message');
    t.integer('generation').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('heartbeat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['owner_id', 'started_at']);
  });
  await knex.raw(
    `alter table training_runs add constraint training_runs_status_check check (status in ('training', 'completed', 'failed'))`,
  );
  // At most one run in progress per owner, enforced by the database rather than by timing.
  await knex.raw(`create unique index training_runs_one_active on training_runs (owner_id) where status = 'training'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('training_runs');
}
