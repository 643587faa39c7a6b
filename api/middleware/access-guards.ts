// Authentication (koa-jwt plus a live-session check) and the role rules: guests read, admins see all.
import koaJwt from 'koa-jwt';
import type { RouterMiddleware } from '@koa/router';
import type { AccountService } from '../../core/accounts/account-service.ts';
import { ForbiddenError, UnauthorizedError } from '../../core/errors.ts';
import { JWT_ALGORITHM } from '../../core/accounts/access-tokens.ts';
import type { AccessGuards } from '../route.ts';
import type { AppState } from '../state.ts';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const JWT_MESSAGES: Record<string, string> = {
  'Token not found': 'Authentication required: send "Authorization: Bearer <access token>"',
  'jwt expired': 'Access token has expired; refresh it',
  'Token revoked': 'Session has ended; log in again',
};

export function createAccessGuards(accounts: AccountService, jwtSecret: string): AccessGuards {
  const verifyJwt = koaJwt({
    secret: jwtSecret,
    algorithms: [JWT_ALGORITHM],
    key: 'jwt',
    debug: true,
    async isRevoked(ctx, claims) {
      const found = await accounts.authenticate(claims);
      if (!found) return true;
      ctx.state.owner = found.owner;
      ctx.state.sessionId = found.sessionId;
      return false;
    },
  }) as unknown as RouterMiddleware<AppState>;

  const authenticated: RouterMiddleware<AppState> = async (ctx, next) => {
    if (ctx.state.owner) return next();
    try {
      await verifyJwt(ctx, async () => {});
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      throw new UnauthorizedError(JWT_MESSAGES[message] ?? 'Access token is not valid', { cause: error });
    }
    return next();
  };

  // Guests are a read-only demo: any change is refused, whatever the route.
  const write: RouterMiddleware<AppState> = async (ctx, next) => {
    if (ctx.state.owner?.role === 'guest' && !READ_METHODS.has(ctx.method)) {
      throw new ForbiddenError('Guest accounts are read-only');
    }
    return next();
  };

  const admin: RouterMiddleware<AppState> = async (ctx, next) => {
    if (ctx.state.owner?.role !== 'admin') throw new ForbiddenError('Only platform admins may do this');
    return next();
  };

  return { authenticated, write, admin };
}
