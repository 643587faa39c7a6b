// A chunk's length in lexemes (BM25's document length), stored beside its tsvector: ranking reads it for
// every candidate chunk, and length(tsv) on each of them cost a tenth to a fifth of a large search.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table chunks add column dl integer generated always as (length(tsv)) stored');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table chunks drop column dl');
}
