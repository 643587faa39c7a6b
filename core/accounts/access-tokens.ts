// Short-lived access JWTs. They carry the session id, so revoking the session revokes them at once.
import jwt from 'jsonwebtoken';

export interface AccessClaims {
  sub: string;
  sid: string;
  typ: 'access';
}

export const JWT_ALGORITHM = 'HS256';

export function signAccessToken(secret: string, ownerId: string, sessionId: string, ttlSeconds: number): string {
  const claims: AccessClaims = { sub: ownerId, sid: sessionId, typ: 'access' };
  return jwt.sign(claims, secret, { algorithm: JWT_ALGORITHM, expiresIn: ttlSeconds });
}

export function isAccessClaims(value: unknown): value is AccessClaims {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  return claims.typ === 'access' && typeof claims.sub === 'string' && typeof claims.sid === 'string';
}
