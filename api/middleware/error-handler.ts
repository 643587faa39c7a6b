// The one place errors become responses: {"detail": ...} with the right status, never a stack trace.
import type { Middleware } from 'koa';
import { DomainError, InvalidError, RateLimitedError } from '../../core/errors.ts';
import type { AppState } from '../state.ts';

interface HttpLikeError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
  type?: unknown;
}

const GENERIC_DETAIL: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  501: 'Not implemented',
  413: 'Request body is too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
};

export function errorHandler(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      // No route matched (404), or the router answered 405/501 with only an Allow header.
      if (ctx.body === undefined && ctx.status >= 400) {
        const status = ctx.status;
        ctx.body = { detail: GENERIC_DETAIL[status] ?? 'Request failed' };
        ctx.status = status;
      }
    } catch (error) {
      const { status, detail } = describe(error);
      if (error instanceof RateLimitedError) ctx.set('Retry-After', String(error.retryAfterSeconds));
      if (status >= 500) {
        ctx.state.log?.error({ err: error }, 'request failed');
      } else {
        ctx.state.log?.info(
          { status, detail: typeof detail === 'string' ? detail : 'validation failed' },
          'request refused',
        );
      }
      ctx.status = status;
      ctx.body = { detail, ...(error instanceof DomainError ? error.extra : undefined) };
    }
  };
}

function describe(error: unknown): { status: number; detail: unknown } {
  if (error instanceof InvalidError && error.issues) return { status: 422, detail: error.issues };
  if (error instanceof DomainError) return { status: error.status, detail: error.message };
  const http = (typeof error === 'object' && error !== null ? error : {}) as HttpLikeError;
  const status =
    typeof http.status === 'number' ? http.status : typeof http.statusCode === 'number' ? http.statusCode : 500;
  if (status < 400 || status >= 600) return { status: 500, detail: 'Internal server error' };
  if (status >= 500) return { status, detail: 'Internal server error' };
  const message = http.expose === true && typeof http.message === 'string' ? http.message : undefined;
  return { status, detail: message ?? GENERIC_DETAIL[status] ?? 'Request failed' };
}
