// Typo tolerance looks up the owner's indexed words that begin with the same two letters as a word it
// does not know. An index on those two letters finds them whatever the database's collation (a range
// over the primary key would depend on how the collation orders accented and other letters).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index owner_term_stats_first_letters on owner_term_stats (owner_id, left(lexeme, 2))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index owner_term_stats_first_letters');
}
