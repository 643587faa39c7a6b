// 'uploading': a file whose chunks are still being written. Nothing lists, trains or searches it, and
// one left by an interrupted upload is removed; the upload is all or nothing.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table files drop constraint files_status_check');
  await knex.raw(
    `alter table files add constraint files_status_check check (status in ('uploading', 'uploaded', 'processing', 'ready', 'failed'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex('files').where({ status: 'uploading' }).delete();
  await knex.raw('alter table files drop constraint files_status_check');
  await knex.raw(
    `alter table files add constraint files_status_check check (status in ('uploaded', 'processing', 'ready', 'failed'))`,
  );
}
