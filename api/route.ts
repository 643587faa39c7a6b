// Declares a route once: the zod schemas that validate its input also describe it in /api/openapi.json.
import type { Context } from 'koa';
import type { Router, RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponseObject } from 'zod-openapi';
import { InvalidError, UnsupportedError, type FieldIssue } from '../core/errors.ts';
import type { AppState } from './state.ts';

export type Access = 'public' | 'authenticated' | 'write' | 'admin';
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

export interface RouteDefinition<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  method: Method;
  /** Koa style, relative to the router's prefix: `/users/:id`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: B;
  query?: Q;
  params?: P;
  /** Status → response schema (undefined for an empty body). */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (
    ctx: Context & { state: AppState },
    input: { body: z.output<B>; query: z.output<Q>; params: z.output<P> },
  ) => Promise<unknown>;
}

// Type erasure for storage in a list; each definition was checked by `route()` when written.
export type AnyRoute = RouteDefinition<z.ZodType, z.ZodType, z.ZodType>;

export function route<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(definition: RouteDefinition<B, Q, P>): AnyRoute {
  return definition as unknown as AnyRoute;
}

export function toFieldIssues(error: z.ZodError, location: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    loc: [location, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
    msg: issue.message,
    type: issue.code,
  }));
}

function parseOrThrow(schema: z.ZodType | undefined, value: unknown, location: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidError('Validation failed', toFieldIssues(result.error, location));
  return result.data;
}

export interface AccessGuards {
  authenticated: RouterMiddleware<AppState>;
  write: RouterMiddleware<AppState>;
  admin: RouterMiddleware<AppState>;
}

/** Adds the routes to `router`; each gets its access guard, then validation, then the handler. */
export function mount(router: Router<AppState>, routes: AnyRoute[], guards: AccessGuards): void {
  for (const definition of routes) {
    const guard =
      definition.access === 'public'
        ? []
        : definition.access === 'write'
          ? [guards.authenticated, guards.write]
          : definition.access === 'admin'
            ? [guards.authenticated, guards.admin]
            : [guards.authenticated];
    router[definition.method](definition.path, ...guard, async (ctx) => {
      // A body without a Content-Type is not parsed at all: it is refused as well, not read as empty.
      const sent = ctx.request.type !== '' || (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
      if (definition.body && sent && !ctx.is('json')) {
        throw new UnsupportedError(
          ctx.request.type
            ? 'Send the request body as application/json'
            : 'The request body has no Content-Type: send it as JSON with "Content-Type: application/json"',
        );
      }
      const input = {
        body: parseOrThrow(definition.body, ctx.request.body ?? {}, 'body'),
        query: parseOrThrow(definition.query, ctx.query, 'query'),
        params: parseOrThrow(definition.params, ctx.params, 'path'),
      };
      const result = await definition.handler(ctx as Context & { state: AppState }, input as never);
      if (result === undefined) {
        if (ctx.body === undefined && ctx.status === 404) ctx.status = 204;
        return;
      }
      ctx.body = result;
    });
  }
}

const errorSchema = z.object({ detail: z.string() }).meta({ id: 'Error' });
const validationErrorSchema = z
  .object({
    detail: z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() })),
  })
  .meta({ id: 'ValidationError' });

/** OpenAPI paths for routes mounted under `prefix`. */
export function openApiPaths(prefix: string, routes: AnyRoute[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const definition of routes) {
    const openApiPath = (prefix + definition.path).replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/';
    const responses: Record<string, ZodOpenApiResponseObject> = {};
    for (const [status, response] of Object.entries(definition.responses)) {
      responses[status] = response.schema
        ? { description: response.description, content: { 'application/json': { schema: response.schema } } }
        : { description: response.description };
    }
    if (definition.body || definition.query || definition.params) {
      responses['422'] = {
        description: 'Validation failed',
        content: { 'application/json': { schema: validationErrorSchema } },
      };
    }
    if (definition.access !== 'public') {
      responses['401'] = { description: 'Not authenticated', content: { 'application/json': { schema: errorSchema } } };
    }
    if (definition.access === 'write' || definition.access === 'admin') {
      responses['403'] = {
        description: 'Role may not do this',
        content: { 'application/json': { schema: errorSchema } },
      };
    }
    const operation: ZodOpenApiOperationObject = {
      summary: definition.summary,
      tags: [definition.tag],
      responses,
      ...(definition.access === 'public' ? {} : { security: [{ bearer: [] }] }),
      ...(definition.body ? { requestBody: { content: { 'application/json': { schema: definition.body } } } } : {}),
      ...(definition.query || definition.params
        ? {
            requestParams: {
              ...(definition.query ? { query: definition.query as never } : {}),
              ...(definition.params ? { path: definition.params as never } : {}),
            },
          }
        : {}),
    };
    paths[openApiPath] = { ...paths[openApiPath], [definition.method]: operation };
  }
  return paths;
}
