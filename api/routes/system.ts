// Unauthenticated system routes: name/version and health.
import { z } from 'zod';
import { route, type AnyRoute } from '../route.ts';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable';
  database: { status: 'ok' | 'error'; kind: string };
  redis: { status: 'ok' | 'error'; kind: string };
}

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'unavailable']),
    database: z.object({ status: z.enum(['ok', 'error']), kind: z.string() }),
    redis: z.object({ status: z.enum(['ok', 'error']), kind: z.string() }),
  })
  .meta({ id: 'Health' });

export function systemRoutes(info: { name: string; version: string }, health: () => Promise<HealthReport>): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/',
      tag: 'system',
      access: 'public',
      summary: 'Service name and version',
      responses: {
        200: { description: 'Name and version', schema: z.object({ name: z.string(), version: z.string() }) },
      },
      handler: async () => info,
    }),
    route({
      method: 'get',
      path: '/health',
      tag: 'system',
      access: 'public',
      summary: 'Database and Redis state (503 when the database is down)',
      responses: {
        200: { description: 'Healthy or degraded', schema: healthSchema },
        503: { description: 'Database unreachable', schema: healthSchema },
      },
      handler: async (ctx) => {
        const report = await health();
        ctx.status = report.database.status === 'ok' ? 200 : 503;
        return report;
      },
    }),
  ];
}
