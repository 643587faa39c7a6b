// What customers can book: name, duration, price, the buffer after, and which staff members do it.
import type { Knex } from 'knex';
import { InvalidError, NotFoundError } from '../errors.ts';

export interface BookableService {
  id: string;
  name: string;
  duration_minutes: number;
  price: number | null;
  buffer_minutes: number;
  /** Empty: every staff member does it (or the business itself, when it has no staff). */
  staff_ids: string[];
}

export interface ServiceInput {
  name: string;
  duration_minutes: number;
  price?: number | null;
  buffer_minutes?: number;
  staff_ids?: string[];
}

interface ServiceRow {
  id: string;
  name: string;
  duration_minutes: number;
  price: string | number | null;
  buffer_minutes: number;
}

const COLUMNS = ['id', 'name', 'duration_minutes', 'price', 'buffer_minutes'];

const view = (row: ServiceRow & { staff_ids: string[] }): BookableService => ({
  id: row.id,
  name: row.name,
  duration_minutes: row.duration_minutes,
  price: row.price === null ? null : Number(row.price),
  buffer_minutes: row.buffer_minutes,
  staff_ids: row.staff_ids,
});

export type ServiceCatalog = ReturnType<typeof createServiceCatalog>;

export function createServiceCatalog({ db }: { db: Knex }) {
  const current = (ownerId: string, trx: Knex = db) =>
    trx('booking_services').where({ owner_id: ownerId }).whereNull('deleted_at');

  async function withStaff(rows: ServiceRow[], trx: Knex = db): Promise<BookableService[]> {
    const links =
      rows.length === 0
        ? []
        : await trx('booking_service_staff')
            .whereIn(
              'service_id',
              rows.map((row) => row.id),
            )
            .orderBy('staff_id')
            .select<{ service_id: string; staff_id: string }[]>('service_id', 'staff_id');
    return rows.map((row) =>
      view({ ...row, staff_ids: links.filter((link) => link.service_id === row.id).map((link) => link.staff_id) }),
    );
  }

  /** Staff ids must name this owner's current staff: another owner's id is refused like an unknown one. */
  async function linkStaff(trx: Knex, ownerId: string, serviceId: string, staffIds: string[]): Promise<void> {
    const unique = [...new Set(staffIds)];
    if (unique.length > 0) {
      const found = await trx('booking_staff')
        .where({ owner_id: ownerId })
        .whereNull('deleted_at')
        .whereIn('id', unique)
        .pluck<string[]>('id');
      const missing = unique.filter((id) => !found.includes(id));
      if (missing.length > 0)
        throw new InvalidError('Unknown staff member', [
          { loc: ['body', 'staff_ids'], msg: `No such staff member: ${missing.join(', ')}`, type: 'value_error' },
        ]);
    }
    await trx('booking_service_staff').where({ service_id: serviceId }).delete();
    if (unique.length > 0)
      await trx('booking_service_staff').insert(
        unique.map((staffId) => ({ service_id: serviceId, staff_id: staffId })),
      );
  }

  const columns = (input: ServiceInput) => ({
    name: input.name,
    duration_minutes: input.duration_minutes,
    price: input.price ?? null,
    buffer_minutes: input.buffer_minutes ?? 0,
  });

  return {
    async list(ownerId: string): Promise<BookableService[]> {
      return withStaff(
        await current(ownerId)
          .orderBy([{ column: 'created_at' }, { column: 'id' }])
          .select<ServiceRow[]>(COLUMNS),
      );
    },

    /** `includeRemoved`: a removed service too (its bookings may still be moved). One query: availability reads it each time. */
    async get(ownerId: string, id: string, includeRemoved = false): Promise<BookableService> {
      const query = db('booking_services as s')
        .leftJoin('booking_service_staff as l', 'l.service_id', 's.id')
        .where({ 's.owner_id': ownerId, 's.id': id })
        .groupBy('s.id')
        .first<(ServiceRow & { staff_ids: string[] }) | undefined>(
          ...COLUMNS.map((column) => `s.${column}`),
          db.raw(
            "coalesce(array_agg(l.staff_id order by l.staff_id) filter (where l.staff_id is not null), '{}') as staff_ids",
          ),
        );
      if (!includeRemoved) query.whereNull('s.deleted_at');
      const row = await query;
      if (!row) throw new NotFoundError('Service not found');
      return view(row);
    },

    /** A service by id even when removed since: past bookings still show what was booked. */
    async name(ownerId: string, id: string): Promise<string | undefined> {
      const row = await db('booking_services')
        .where({ owner_id: ownerId, id })
        .first<{ name: string } | undefined>('name');
      return row?.name;
    },

    async create(ownerId: string, input: ServiceInput): Promise<BookableService> {
      return db.transaction(async (trx) => {
        const [row] = await trx('booking_services')
          .insert({ owner_id: ownerId, ...columns(input) })
          .returning<ServiceRow[]>(COLUMNS);
        await linkStaff(trx, ownerId, row!.id, input.staff_ids ?? []);
        return (await withStaff([row!], trx))[0]!;
      });
    },

    async replace(ownerId: string, id: string, input: ServiceInput): Promise<BookableService> {
      return db.transaction(async (trx) => {
        const [row] = await current(ownerId, trx)
          .where({ id })
          .update({ ...columns(input), updated_at: new Date() })
          .returning<ServiceRow[]>(COLUMNS);
        if (!row) throw new NotFoundError('Service not found');
        await linkStaff(trx, ownerId, id, input.staff_ids ?? []);
        return (await withStaff([row], trx))[0]!;
      });
    },

    /** No longer offered; bookings already made for it stand (the owner may still move or cancel them). */
    async remove(ownerId: string, id: string): Promise<void> {
      const removed = await current(ownerId).where({ id }).update({ deleted_at: new Date(), updated_at: new Date() });
      if (removed === 0) throw new NotFoundError('Service not found');
    },
  };
}
