// Refresh tokens: random, stored as SHA-256 hashes, rotated on every use. Presenting a token that was
// already rotated means it leaked, so the whole session (its family, the newest token too) is revoked.
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function issueRefreshToken(
  db: Knex,
  ownerId: string,
  sessionId: string,
  ttlDays: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db('refresh_tokens').insert({
    owner_id: ownerId,
    session_id: sessionId,
    token_hash: hashToken(token),
    expires_at: new Date(Date.now() + ttlDays * 86_400_000),
  });
  return token;
}

export type RotationResult =
  | { ok: true; ownerId: string; sessionId: string; refresh: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' };

interface TokenRow {
  id: string;
  owner_id: string;
  session_id: string;
  expires_at: Date;
  used_at: Date | null;
}

export async function rotateRefreshToken(db: Knex, token: string, ttlDays: number): Promise<RotationResult> {
  return db.transaction(async (trx) => {
    const row: TokenRow | undefined = await trx('refresh_tokens')
      .where('token_hash', hashToken(token))
      .forUpdate()
      .first();
    if (!row) return { ok: false, reason: 'unknown' };
    const session = await trx('sessions')
      .where({ id: row.session_id })
      .forUpdate()
      .first<{ revoked_at: Date | null }>();
    if (!session || session.revoked_at) return { ok: false, reason: 'revoked' };
    if (row.used_at) {
      await trx('sessions')
        .where({ id: row.session_id })
        .update({ revoked_at: trx.fn.now(), revoked_reason: 'refresh token reused' });
      return { ok: false, reason: 'reused' };
    }
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    await trx('refresh_tokens').where({ id: row.id }).update({ used_at: trx.fn.now() });
    const refresh = await issueRefreshToken(trx, row.owner_id, row.session_id, ttlDays);
    return { ok: true, ownerId: row.owner_id, sessionId: row.session_id, refresh };
  });
}

/** The session a refresh token belongs to, if the token is known and belongs to `ownerId`. */
export async function findSessionOfToken(db: Knex, ownerId: string, token: string): Promise<string | undefined> {
  const row = await db('refresh_tokens')
    .where({ token_hash: hashToken(token), owner_id: ownerId })
    .first<{ session_id: string } | undefined>('session_id');
  return row?.session_id;
}
