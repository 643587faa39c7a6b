// Knowledge files. Bytes live in `file_blobs` so any process can (re)train from them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('files', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.bigInteger('size').notNullable();
    t.text('type').notNullable();
    t.text('sha256').notNullable();
    t.text('status').notNullable().defaultTo('uploaded');
    t.text('error');
    t.integer('chunk_count').notNullable().defaultTo(0);
    t.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.unique(['owner_id', 'sha256']);
  });
  await knex.raw(
    `alter table files add constraint files_status_check check (status in ('uploaded', 'processing', 'ready', 'failed'))`,
  );
  await knex.schema.createTable('file_blobs', (t) => {
    t.uuid('file_id').primary().references('files.id').onDelete('CASCADE');
    t.binary('content').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('file_blobs');
  await knex.schema.dropTable('files');
}
