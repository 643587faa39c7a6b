// Owner accounts in the database. The public shape never includes the password hash.
import type { Knex } from 'knex';

export type OwnerRole = 'admin' | 'user' | 'guest';

export interface OwnerRow {
  id: string;
  email: string;
  password_hash: string;
  salon_name: string;
  role: OwnerRole;
  timezone: string;
  language: string;
  trial_end_date: Date | null;
  is_active: boolean;
  prompt: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PublicUser {
  id: string;
  email: string;
  salon_name: string;
  is_trial: boolean;
  trial_end_date: string | null;
  role: OwnerRole;
  timezone: string;
  language: string;
}

export function toPublicUser(row: OwnerRow, now = new Date()): PublicUser {
  return {
    id: row.id,
    email: row.email,
    salon_name: row.salon_name,
    is_trial: row.role === 'user' && row.trial_end_date !== null && row.trial_end_date > now,
    trial_end_date: row.trial_end_date ? row.trial_end_date.toISOString() : null,
    role: row.role,
    timezone: row.timezone,
    language: row.language,
  };
}

export function findOwnerByEmail(db: Knex, email: string): Promise<OwnerRow | undefined> {
  return db<OwnerRow>('owners').whereRaw('lower(email) = lower(?)', [email]).first();
}

export function findOwnerById(db: Knex, id: string): Promise<OwnerRow | undefined> {
  return db<OwnerRow>('owners').where({ id }).first();
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
