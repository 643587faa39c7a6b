// btree_gist lets one exclusion constraint say "same staff member (a uuid, equality) and overlapping time
// (a range)": the database itself then refuses a double booking. Unlike pg_trgm and vector it is not
// optional. PGlite ships it; on PostgreSQL it is in contrib (Debian's postgresql package) and trusted, so
// the database's owner may create it without being a superuser.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  try {
    await knex.raw('create extension if not exists btree_gist');
  } catch (error) {
    throw new Error(
      'The btree_gist extension is needed for bookings and could not be created: install PostgreSQL contrib (Debian: postgresql-contrib / postgresql-15) or run "create extension btree_gist" as a superuser',
      { cause: error },
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  // Without cascade: refused while anything outside these migrations still uses it.
  await knex.raw('drop extension if exists btree_gist');
}
