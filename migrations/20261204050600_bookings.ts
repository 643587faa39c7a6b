// Appointments. The exclusion constraint is what makes a double booking impossible, whichever process
// or request races for a slot: two confirmed bookings of one staff member (or of the business, when it
// has no staff) may not overlap, counting the service's buffer after each (blocked_until).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bookings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('owners.id').onDelete('CASCADE');
    // No action (not restrict): deleting an owner removes bookings and services in one statement.
    t.uuid('service_id').notNullable().references('booking_services.id');
    t.uuid('staff_id').references('booking_staff.id');
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('ends_at', { useTz: true }).notNullable();
    t.timestamp('blocked_until', { useTz: true }).notNullable();
    t.text('status').notNullable().defaultTo('confirmed');
    t.text('customer_name').notNullable();
    t.text('customer_phone');
    t.text('source').notNullable();
    // For a customer's booking: the chat it came from (channel + the customer's id on it).
    t.text('channel');
    t.text('chat_ref');
    t.text('language');
    t.timestamp('reminder_sent_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id', 'starts_at']);
    t.index(['owner_id', 'channel', 'chat_ref']);
  });
  await knex.raw(
    `alter table bookings add constraint bookings_status_check check (status in ('confirmed', 'cancelled'))`,
  );
  await knex.raw(`alter table bookings add constraint bookings_source_check check (source in ('owner', 'customer'))`);
  await knex.raw(
    'alter table bookings add constraint bookings_times_check check (ends_at > starts_at and blocked_until >= ends_at)',
  );
  // Staff and owner ids are both random uuids, so coalescing them names one resource without collisions.
  await knex.raw(`
    alter table bookings add constraint bookings_no_overlap exclude using gist (
      (coalesce(staff_id, owner_id)) with =,
      tstzrange(starts_at, blocked_until, '[)') with &&
    ) where (status = 'confirmed')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bookings');
}
