// The people who take bookings. Optional: with no staff the business itself is the one calendar.
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { DateExceptions, WeeklyHours } from './working-hours.ts';

export interface StaffMember {
  id: string;
  name: string;
  /** Null: works the business's hours. */
  hours: WeeklyHours | null;
  exceptions: DateExceptions;
  active: boolean;
}

export interface StaffInput {
  name: string;
  hours?: WeeklyHours | null;
  exceptions?: DateExceptions;
  active?: boolean;
}

const COLUMNS = ['id', 'name', 'hours', 'exceptions', 'active'];

export type StaffDirectory = ReturnType<typeof createStaffDirectory>;

export function createStaffDirectory({ db }: { db: Knex }) {
  const current = (ownerId: string) => db('booking_staff').where({ owner_id: ownerId }).whereNull('deleted_at');

  async function get(ownerId: string, id: string): Promise<StaffMember> {
    const row = await current(ownerId).where({ id }).first<StaffMember | undefined>(COLUMNS);
    if (!row) throw new NotFoundError('Staff member not found');
    return row;
  }

  async function list(ownerId: string): Promise<StaffMember[]> {
    return current(ownerId)
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .select<StaffMember[]>(COLUMNS);
  }

  const columns = (input: StaffInput) => ({
    name: input.name,
    hours: input.hours ? JSON.stringify(input.hours) : null,
    exceptions: JSON.stringify(input.exceptions ?? {}),
    active: input.active ?? true,
  });

  return {
    get,

    async list(ownerId: string): Promise<StaffMember[]> {
      return current(ownerId)
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .select<StaffMember[]>(COLUMNS);
    },

    /** Active staff members (they take bookings now) among the current ones, in the owner's order. */
    async active(ownerId: string): Promise<StaffMember[]> {
      return (await list(ownerId)).filter((member) => member.active);
    },

    async create(ownerId: string, input: StaffInput): Promise<StaffMember> {
      const [row] = await db('booking_staff')
        .insert({ owner_id: ownerId, ...columns(input) })
        .returning<StaffMember[]>(COLUMNS);
      return row!;
    },

    async replace(ownerId: string, id: string, input: StaffInput): Promise<StaffMember> {
      const [row] = await current(ownerId)
        .where({ id })
        .update({ ...columns(input), updated_at: new Date() })
        .returning<StaffMember[]>(COLUMNS);
      if (!row) throw new NotFoundError('Staff member not found');
      return row;
    },

    /** Refused while they have upcoming bookings: those customers must be moved or told first. */
    async remove(ownerId: string, id: string, now: Date): Promise<void> {
      await get(ownerId, id);
      const upcoming = await db('bookings')
        .where({ owner_id: ownerId, staff_id: id, status: 'confirmed' })
        .where('ends_at', '>', now)
        .count<{ count: string | number }[]>({ count: '*' })
        .first();
      const count = Number(upcoming?.count ?? 0);
      if (count > 0)
        throw new ConflictError(
          `This staff member has ${count} upcoming booking(s); move or cancel them first (or set active: false to stop new bookings)`,
        );
      await current(ownerId).where({ id }).update({ deleted_at: now, active: false, updated_at: now });
    },
  };
}
