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
  413: 'Request body is too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
};

export function errorHandler(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { detail: 'Not found' };
      }
    } catch (error) {
      const { status, detail } = describe(error);
      if (error instanceof RateLimitedError) ctx.set('Retry-After', String(error.retryAfterSeconds));
      if (status >= 500) {
        ctx.state.log?.error({ err: error }, 'request failed');
      } else {
        ctx.state.log?.info({ status, detail: typeof detail === 'string' ? detail : 'validation failed' }, 'request refused');
      }
      ctx.status = status;
      ctx.body = { detail };
      // Errors thrown by Koa's helpers may carry headers (Allow for 405); keep them, drop anything else.
      const headers = (error as { headers?: Record<string, string> }).headers;
      if (headers?.Allow) ctx.set('Allow', headers.Allow);
    }
  };
}

function describe(error: unknown): { status: number; detail: unknown } {
  if (error instanceof InvalidError && error.issues) return { status: 422, detail: error.issues };
  if (error instanceof DomainError) return { status: error.status, detail: error.message };
  const http = (typeof error === 'object' && error !== null ? error : {}) as HttpLikeError;
  const status = typeof http.status === 'number' ? http.status : typeof http.statusCode === 'number' ? http.statusCode : 500;
  if (status < 400 || status >= 600) return { status: 500, detail: 'Internal server error' };
  if (status >= 500) return { status, detail: 'Internal server error' };
  if (status === 400 && http.type === 'entity.parse.failed') return { status, detail: 'Malformed JSON body' };
  if (status === 413) return { status, detail: 'Request body is too large' };
  const message = http.expose === true && typeof http.message === 'string' ? http.message : undefined;
  return { status, detail: message ?? GENERIC_DETAIL[status] ?? 'Request failed' };
}
