// What platform admins do with owner accounts: list them all, change a role, deactivate.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.ts';
import { toPublicUser, type OwnerRole, type OwnerRow, type PublicUser } from './owners.ts';
import { revokeAllSessions } from './sessions.ts';

export interface AdminUser extends PublicUser {
  is_active: boolean;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

function toAdminUser(row: OwnerRow): AdminUser {
  return { ...toPublicUser(row), is_active: row.is_active, created_at: row.created_at.toISOString() };
}

export function createAdminService({ db }: { db: Knex }) {
  return {
    async listOwners(page: number, pageSize: number): Promise<Page<AdminUser>> {
      const [rows, countRow] = await Promise.all([
        db<OwnerRow>('owners')
          .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }])
          .limit(pageSize)
          .offset((page - 1) * pageSize),
        db('owners').count<{ count: string | number }[]>({ count: '*' }).first(),
      ]);
      return { items: rows.map(toAdminUser), total: Number(countRow?.count ?? 0), page, page_size: pageSize };
    },

    async updateOwner(id: string, update: { role?: OwnerRole; is_active?: boolean }): Promise<AdminUser> {
      const [row] = await db<OwnerRow>('owners')
        .where({ id })
        .update({ ...update, updated_at: new Date() })
        .returning('*');
      if (!row) throw new NotFoundError('User not found');
      // A deactivated account is logged out everywhere at once.
      if (update.is_active === false) await revokeAllSessions(db, id, 'deactivated');
      return toAdminUser(row);
    },
  };
}
