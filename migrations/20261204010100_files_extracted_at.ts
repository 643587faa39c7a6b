// A file is read once, at upload: its chunks are stored then (rows without search vectors until training
// indexes them), and `extracted_at` records when. Files uploaded before have it null: the next training
// reads their stored bytes once, the same way.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('files', (t) => {
    t.timestamp('extracted_at', { useTz: true });
  });
  // Ready files were indexed from their bytes already: nothing is left to read.
  await knex('files')
    .where({ status: 'ready' })
    .update({ extracted_at: knex.raw('coalesce(processed_at, uploaded_at)') });
}

export async function down(knex: Knex): Promise<void> {
  // Files read at upload and not yet trained have no stored bytes, which the earlier training needs:
  // they are removed (their owners upload them again).
  await knex('files').whereNotNull('extracted_at').whereNot({ status: 'ready' }).delete();
  await knex.schema.alterTable('files', (t) => {
    t.dropColumn('extracted_at');
  });
}
