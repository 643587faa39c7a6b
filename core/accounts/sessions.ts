// Login sessions. Revocation is a row update in PostgreSQL, checked on every authenticated request,
// so logout and password change take effect at once in every process.
import type { Knex } from 'knex';
import type { OwnerRow } from './owners.ts';

export async function createSession(db: Knex, ownerId: string): Promise<string> {
  const [row] = await db('sessions').insert({ owner_id: ownerId }).returning<{ id: string }[]>('id');
  if (!row) throw new Error('session insert returned nothing');
  return row.id;
}

export async function revokeSession(db: Knex, ownerId: string, sessionId: string, reason: string): Promise<void> {
  await db('sessions')
    .where({ id: sessionId, owner_id: ownerId })
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now(), revoked_reason: reason });
}

export async function revokeAllSessions(db: Knex, ownerId: string, reason: string): Promise<void> {
  await db('sessions')
    .where({ owner_id: ownerId })
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now(), revoked_reason: reason });
}

/** The owner behind a live session, or undefined when the session is revoked or the owner deactivated. */
export function findOwnerBySession(db: Knex, ownerId: string, sessionId: string): Promise<OwnerRow | undefined> {
  return db<OwnerRow>('owners')
    .select('owners.*')
    .join('sessions', 'sessions.owner_id', 'owners.id')
    .where({ 'sessions.id': sessionId, 'owners.id': ownerId, 'owners.is_active': true })
    .whereNull('sessions.revoked_at')
    .first();
}
