// /api/integrations: connecting channels (seed 002) and their start/stop/test actions (seed 003).
import { z } from 'zod';
import type { IntegrationsService } from '../../core/integrations/integrations-service.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';

const integration = z
  .object({
    id: z.string(),
    type: z.enum(['telegram', 'whatsapp', 'calendar']),
    status: z.enum(['pending', 'pending_qr', 'connected', 'disconnected', 'stopped', 'error']),
    status_reason: z.string().nullable(),
    connected_at: z.string().nullable(),
    username: z.string().optional(),
    bot_id: z.number().optional(),
    phone_id: z.string().optional(),
    display_phone_number: z.string().optional(),
    mode: z.enum(['cloud', 'web', 'service_account', 'oauth']).optional(),
    calendar_id: z.string().optional(),
    share_with: z.string().optional(),
  })
  .meta({ id: 'Integration' });
const id = z.object({ id: z.uuid('Not a valid integration id') });

export function integrationRoutes(integrations: IntegrationsService): AnyRoute[] {
  const action = (name: 'start' | 'stop', summary: string) =>
    route({
      method: 'post',
      path: `/integrations/:id/${name}`,
      tag: 'integrations',
      access: 'write',
      summary,
      params: id,
      responses: {
        200: { description: 'New state', schema: integration },
        404: { description: 'No such integration' },
      },
      handler: (ctx, { params }) => integrations[name](currentOwner(ctx.state).id, params.id),
    });
  return [
    route({
      method: 'get',
      path: '/integrations',
      tag: 'integrations',
      access: 'authenticated',
      summary: 'Connected channels and calendars, without secrets',
      responses: { 200: { description: 'Integrations', schema: z.array(integration) } },
      handler: (ctx) => integrations.list(currentOwner(ctx.state).id),
    }),
    route({
      method: 'post',
      path: '/integrations/telegram',
      tag: 'integrations',
      access: 'write',
      summary: 'Connect a Telegram bot by its @BotFather token (checked with getMe)',
      body: z.object({ token: z.string().trim().min(1, 'Paste the token from @BotFather').max(200) }),
      responses: {
        201: { description: 'Connected; the bot answers within seconds', schema: integration },
        200: { description: 'The same bot again: token updated', schema: integration },
        409: { description: 'Another account already connected this bot' },
        422: { description: 'Telegram rejected the token' },
      },
      handler: async (ctx, { body }) => {
        const { integration: view, created } = await integrations.connectTelegram(
          currentOwner(ctx.state).id,
          body.token,
        );
        ctx.status = created ? 201 : 200;
        return view;
      },
    }),
    route({
      method: 'delete',
      path: '/integrations/:id',
      tag: 'integrations',
      access: 'write',
      summary: 'Disconnect: stops the bot (or stops using the calendar) and forgets its token',
      params: id,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such integration' } },
      handler: async (ctx, { params }) => {
        await integrations.remove(currentOwner(ctx.state).id, params.id);
        ctx.status = 204;
        return undefined;
      },
    }),
    action('start', 'Start answering again'),
    action('stop', 'Stop answering (the token is kept)'),
    route({
      method: 'post',
      path: '/integrations/:id/test',
      tag: 'integrations',
      access: 'write',
      summary: 'Check that the stored token still works (a calendar: that Google still gives access)',
      params: id,
      responses: {
        200: { description: 'Result', schema: z.object({ ok: z.boolean(), detail: z.string(), integration }) },
        404: { description: 'No such integration' },
      },
      handler: (ctx, { params }) => integrations.test(currentOwner(ctx.state).id, params.id),
    }),
  ];
}
