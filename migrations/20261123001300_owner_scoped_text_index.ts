// Full-text lookups always filter by owner. A GIN index over (owner_id, tsv) applies that filter inside
// the index; the global index on tsv alone made a common word visit every owner's chunks first.
import type { Knex } from 'knex';

async function tryCreateExtension(knex: Knex, name: string): Promise<boolean> {
  try {
    await knex.transaction(async (trx) => {
      await trx.raw(`create extension if not exists ${name}`);
    });
    return true;
  } catch {
    return false;
  }
}

export async function up(knex: Knex): Promise<void> {
  if (!(await tryCreateExtension(knex, 'btree_gin'))) return; // the global index stays
  await knex.raw('create index chunks_owner_tsv_idx on chunks using gin (owner_id, tsv)');
  await knex.raw('drop index if exists chunks_tsv_idx');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index if not exists chunks_tsv_idx on chunks using gin (tsv)');
  await knex.raw('drop index if exists chunks_owner_tsv_idx');
}
