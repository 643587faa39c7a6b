// /api/usage: what the assistant cost the owner today and this month.
import { z } from 'zod';
import type { UsageService } from '../../core/usage/usage-service.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';

const totals = z.object({
  requests: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  cost_usd: z.number(),
});

export function usageRoutes(usage: UsageService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/usage',
      tag: 'usage',
      access: 'authenticated',
      summary: 'Model and embedding usage and cost, today and this month (UTC)',
      responses: {
        200: { description: 'Totals', schema: z.object({ today: totals, month: totals }).meta({ id: 'Usage' }) },
      },
      handler: (ctx) => usage.summary(currentOwner(ctx.state).id),
    }),
  ];
}
