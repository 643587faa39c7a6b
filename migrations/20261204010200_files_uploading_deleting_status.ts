// Two states a file passes through unseen: 'uploading' (its chunks are still being written) and 'deleting'
// (they are being removed, a batch at a time). Nothing lists, trains or searches such a file; one left by
// an interrupted upload or delete is removed. Both keep the embedded database's transactions short.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table files drop constraint files_status_check');
  await knex.raw(
    `alter table files add constraint files_status_check check (status in ('uploading', 'uploaded', 'processing', 'ready', 'failed', 'deleting'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex('files').whereIn('status', ['uploading', 'deleting']).delete();
  await knex.raw('alter table files drop constraint files_status_check');
  await knex.raw(
    `alter table files add constraint files_status_check check (status in ('uploaded', 'processing', 'ready', 'failed'))`,
  );
}
