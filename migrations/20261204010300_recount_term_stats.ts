// Search statistics are now kept in step by each indexing batch and each delete, and no longer recounted
// after every training run: one recount here, from each owner's index, so a database that an interrupted
// run left behind starts from correct statistics.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex('owner_term_stats').delete();
  // ts_stat takes a query text; each owner id is quoted by format(%L).
  await knex.raw(
    `insert into owner_term_stats (owner_id, lexeme, df)
     select owners.owner_id, s.word, s.ndoc
       from (select distinct owner_id from chunks where tsv is not null) owners,
            lateral ts_stat(format('select tsv from chunks where owner_id = %L and tsv is not null', owners.owner_id)) s`,
  );
  await knex('owner_index_stats').delete();
  await knex.raw(
    `insert into owner_index_stats (owner_id, chunk_count, avg_length, updated_at)
     select owner_id, count(*), coalesce(avg(dl), 1), now() from chunks where tsv is not null group by owner_id`,
  );
}

export async function down(): Promise<void> {
  // A recount: the statistics it wrote are as valid for the earlier code as for this one.
}
