// Sign-up, login, token refresh, logout and profile: everything an owner does with their account.
import type { Knex } from 'knex';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import { ConflictError, InvalidError, NotFoundError, RateLimitedError, UnauthorizedError } from '../errors.ts';
import { createRateLimiter, type LimitRule } from '../rate-limiter.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import { passwordProblem } from './password-policy.ts';
import {
  findOwnerByEmail,
  findOwnerById,
  isUniqueViolation,
  toPublicUser,
  type OwnerRole,
  type OwnerRow,
  type PublicUser,
} from './owners.ts';
import { createSession, findOwnerBySession, revokeAllSessions, revokeSession } from './sessions.ts';
import { findSessionOfToken, issueRefreshToken, rotateRefreshToken } from './refresh-tokens.ts';
import { isAccessClaims, signAccessToken } from './access-tokens.ts';

const TRIAL_DAYS = 14;

export interface AccountLimits {
  /**
   * Login attempts for one account from one client address that did not succeed, before that address
   * is blocked for that account for the rest of the window. Another address is not affected, so an
   * attacker guessing someone's password cannot lock the real owner out.
   */
  loginPerAccountAndIp: LimitRule;
  /**
   * Failed logins for one account from every address together. Past it the account is under attack
   * from many addresses: an address that has already failed for it is refused (one guess per address
   * and window), while an address that has not failed, the owner's, still gets in.
   */
  loginPerAccount: LimitRule;
  /** Login attempts per client IP, successful or not. */
  loginPerIp: LimitRule;
  /** Password changes with a wrong current password, per account. */
  changePasswordPerAccount: LimitRule;
  /** Registrations per client IP. */
  registerPerIp: LimitRule;
}

export const DEFAULT_ACCOUNT_LIMITS: AccountLimits = {
  loginPerAccountAndIp: { max: 10, windowMs: 15 * 60_000 },
  loginPerAccount: { max: 50, windowMs: 15 * 60_000 },
  loginPerIp: { max: 100, windowMs: 15 * 60_000 },
  changePasswordPerAccount: { max: 10, windowMs: 15 * 60_000 },
  registerPerIp: { max: 20, windowMs: 60 * 60_000 },
};

export interface AccountServiceDeps {
  db: Knex;
  store: KeyValueStore;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  limits?: AccountLimits;
}

export interface TokenPair {
  access: string;
  refresh: string;
}

export interface ProfileUpdate {
  salon_name?: string;
  timezone?: string;
  language?: string;
}

export type AccountService = ReturnType<typeof createAccountService>;

export function createAccountService(deps: AccountServiceDeps) {
  const { db, jwtSecret, accessTokenTtlSeconds, refreshTokenTtlDays } = deps;
  const limits = deps.limits ?? DEFAULT_ACCOUNT_LIMITS;
  const loginPerAccountAndIp = createRateLimiter(deps.store, 'login-account-ip', limits.loginPerAccountAndIp);
  const loginPerAccount = createRateLimiter(deps.store, 'login-account', limits.loginPerAccount);
  const loginPerIp = createRateLimiter(deps.store, 'login-ip', limits.loginPerIp);
  const changePasswordPerAccount = createRateLimiter(deps.store, 'change-password', limits.changePasswordPerAccount);
  const registerPerIp = createRateLimiter(deps.store, 'register-ip', limits.registerPerIp);

  async function startSession(ownerId: string): Promise<TokenPair> {
    const sessionId = await createSession(db, ownerId);
    const refresh = await issueRefreshToken(db, ownerId, sessionId, refreshTokenTtlDays);
    return { access: signAccessToken(jwtSecret, ownerId, sessionId, accessTokenTtlSeconds), refresh };
  }

  async function checkNewPassword(password: string, field: string, related: string[]): Promise<void> {
    const problem = await passwordProblem(password, related);
    if (problem) throw new InvalidError(problem, [{ loc: ['body', field], msg: problem, type: 'weak_password' }]);
  }

  async function createOwner(email: string, password: string, salonName: string, role: OwnerRole): Promise<OwnerRow> {
    const passwordHash = await hashPassword(password);
    try {
      const [row] = await db<OwnerRow>('owners')
        .insert({
          email,
          password_hash: passwordHash,
          salon_name: salonName,
          role,
          trial_end_date: role === 'user' ? new Date(Date.now() + TRIAL_DAYS * 86_400_000) : null,
        })
        .returning('*');
      if (!row) throw new Error('owner insert returned nothing');
      return row;
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError('An account with this email already exists', { cause: error });
      throw error;
    }
  }

  return {
    async register(input: { email: string; password: string; salon_name: string }, ip: string) {
      await registerPerIp.check(ip);
      await registerPerIp.hit(ip);
      await checkNewPassword(input.password, 'password', [input.email, input.salon_name]);
      const owner = await createOwner(input.email, input.password, input.salon_name, 'user');
      return { ...(await startSession(owner.id)), user: toPublicUser(owner) };
    },

    async login(input: { email: string; password: string }, ip: string) {
      const accountKey = input.email.toLowerCase();
      const pairKey = `${accountKey} ${ip}`;
      await loginPerIp.check(ip);
      await loginPerAccountAndIp.check(pairKey);
      // An account attacked from many addresses: those that have failed for it wait out the window.
      const underAttack = await loginPerAccount.blockedFor(accountKey);
      if (underAttack > 0 && (await loginPerAccountAndIp.count(pairKey)) > 0)
        throw new RateLimitedError('Too many attempts; try again later', underAttack);
      // Counted before the ~15 ms password hash, so a burst of parallel guesses is cut off at the limit.
      await loginPerIp.consume(ip);
      await loginPerAccountAndIp.consume(pairKey);
      const owner = await findOwnerByEmail(db, input.email);
      const valid = owner
        ? await verifyPassword(owner.password_hash, input.password)
        : (await burnPasswordCheck(input.password), false);
      if (!owner || !valid || !owner.is_active) {
        await loginPerAccount.hit(accountKey);
        throw new UnauthorizedError('Invalid email or password');
      }
      await loginPerAccountAndIp.reset(pairKey);
      return { ...(await startSession(owner.id)), user: toPublicUser(owner) };
    },

    async refresh(token: string): Promise<TokenPair> {
      const result = await rotateRefreshToken(db, token, refreshTokenTtlDays);
      if (!result.ok) {
        const messages = {
          unknown: 'Refresh token is not valid',
          expired: 'Refresh token has expired; log in again',
          revoked: 'Session has ended; log in again',
          reused: 'Refresh token was already used; the session has been ended for safety, log in again',
        } as const;
        throw new UnauthorizedError(messages[result.reason]);
      }
      return {
        access: signAccessToken(jwtSecret, result.ownerId, result.sessionId, accessTokenTtlSeconds),
        refresh: result.refresh,
      };
    },

    /** Maps verified JWT claims to the owner, or undefined when the session was revoked. */
    async authenticate(claims: unknown): Promise<{ owner: OwnerRow; sessionId: string } | undefined> {
      if (!isAccessClaims(claims)) return undefined;
      const owner = await findOwnerBySession(db, claims.sub, claims.sid);
      return owner ? { owner, sessionId: claims.sid } : undefined;
    },

    async logout(ownerId: string, sessionId: string, refreshToken?: string): Promise<void> {
      await revokeSession(db, ownerId, sessionId, 'logout');
      if (refreshToken) {
        const other = await findSessionOfToken(db, ownerId, refreshToken);
        if (other && other !== sessionId) await revokeSession(db, ownerId, other, 'logout');
      }
    },

    async updateProfile(ownerId: string, update: ProfileUpdate): Promise<PublicUser> {
      if (update.timezone !== undefined && !isTimeZone(update.timezone)) {
        throw new InvalidError('Unknown time zone', [
          { loc: ['body', 'timezone'], msg: 'Unknown IANA time zone', type: 'value_error' },
        ]);
      }
      const [row] = await db<OwnerRow>('owners')
        .where({ id: ownerId })
        .update({ ...update, updated_at: new Date() })
        .returning('*');
      if (!row) throw new NotFoundError('Account not found');
      return toPublicUser(row);
    },

    /** Changes the password and ends every session; the caller gets a fresh session. */
    async changePassword(ownerId: string, oldPassword: string, newPassword: string): Promise<TokenPair> {
      const owner = await findOwnerById(db, ownerId);
      if (!owner) throw new NotFoundError('Account not found');
      // Like logins: counted before the hash, so guesses of the current password (a stolen session
      // trying to take the account over) stop at the limit, parallel ones too.
      await changePasswordPerAccount.consume(ownerId);
      if (!(await verifyPassword(owner.password_hash, oldPassword))) {
        throw new InvalidError('Current password is wrong', [
          { loc: ['body', 'old_password'], msg: 'Current password is wrong', type: 'value_error' },
        ]);
      }
      await changePasswordPerAccount.reset(ownerId);
      await checkNewPassword(newPassword, 'new_password', [owner.email, owner.salon_name]);
      const passwordHash = await hashPassword(newPassword);
      await db.transaction(async (trx) => {
        await trx('owners').where({ id: ownerId }).update({ password_hash: passwordHash, updated_at: new Date() });
        await revokeAllSessions(trx, ownerId, 'password changed');
      });
      return startSession(ownerId);
    },

    /** Creates the platform admin, or brings an existing account with that email up to date. */
    async ensureAdmin(email: string, password: string): Promise<void> {
      const existing = await findOwnerByEmail(db, email);
      if (!existing) {
        await createOwner(email, password, 'Frontdesk', 'admin');
        return;
      }
      const samePassword = await verifyPassword(existing.password_hash, password);
      const passwordHash = samePassword ? existing.password_hash : await hashPassword(password);
      await db('owners')
        .where({ id: existing.id })
        .update({ role: 'admin', is_active: true, password_hash: passwordHash, updated_at: new Date() });
      if (!samePassword) await revokeAllSessions(db, existing.id, 'password changed');
    },
  };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
