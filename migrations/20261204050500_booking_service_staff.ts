// Which staff members do a service; a service with no rows here is done by every staff member.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('booking_service_staff', (t) => {
    t.uuid('service_id').notNullable().references('booking_services.id').onDelete('CASCADE');
    t.uuid('staff_id').notNullable().references('booking_staff.id').onDelete('CASCADE');
    t.primary(['service_id', 'staff_id']);
    t.index(['staff_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('booking_service_staff');
}
