// PostgreSQL text and jsonb cannot hold U+0000: a NUL byte that reached a query failed it (a 500).
// Every text the API takes is checked where it is parsed (JSON bodies and query strings here,
// multipart fields in api/multipart.ts) and refused with 422 naming the field, before any route runs.
import type { Middleware } from 'koa';
import { InvalidError, type FieldIssue } from '../../core/errors.ts';
import type { AppState } from '../state.ts';

const MESSAGE = 'Text may not contain NUL characters (\\u0000)';

/** One issue per string (or object key) in `value` holding U+0000, located under `loc`. */
export function nulByteIssues(value: unknown, loc: (string | number)[], depth = 0): FieldIssue[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ loc, msg: MESSAGE, type: 'nul_byte' }] : [];
  // Bodies are at most 1 MB, but nesting is bounded too so a deep body cannot exhaust the stack.
  if (value === null || typeof value !== 'object' || depth > 64) return [];
  const issues: FieldIssue[] = [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  for (const [key, inner] of entries) {
    if (typeof key === 'string' && key.includes('\u0000'))
      issues.push({ loc: [...loc, key], msg: MESSAGE, type: 'nul_byte' });
    issues.push(...nulByteIssues(inner, [...loc, key], depth + 1));
  }
  return issues;
}

/** Refuses NUL bytes in the parsed JSON body and the query string of requests under `prefix`. */
export function refuseNulBytes(prefix: string): Middleware<AppState> {
  return async (ctx, next) => {
    if (ctx.path.startsWith(prefix)) {
      const issues = [...nulByteIssues(ctx.request.body, ['body']), ...nulByteIssues(ctx.query, ['query'])];
      if (issues.length > 0) throw new InvalidError('Validation failed', issues);
    }
    return next();
  };
}
