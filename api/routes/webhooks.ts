// /webhooks/{channel}/{id}: calls from the channels themselves (not owners), checked by their secret.
import { z } from 'zod';
import type { WebhookReceiver } from '../../core/ports/channel.ts';
import { UnauthorizedError } from '../../core/errors.ts';
import { route, type AnyRoute } from '../route.ts';

export function webhookRoutes(telegram: WebhookReceiver | undefined): AnyRoute[] {
  if (!telegram) return [];
  return [
    route({
      method: 'post',
      path: '/webhooks/telegram/:id',
      tag: 'webhooks',
      access: 'public',
      summary: 'Telegram update delivery (webhook mode); checked with X-Telegram-Bot-Api-Secret-Token',
      params: z.object({ id: z.uuid() }),
      responses: {
        200: { description: 'Queued', schema: z.object({ ok: z.boolean() }) },
        401: { description: 'Wrong secret token' },
      },
      handler: async (ctx, { params }) => {
        const accepted = await telegram.accept(
          params.id,
          ctx.get('X-Telegram-Bot-Api-Secret-Token') || undefined,
          ctx.request.body,
        );
        if (!accepted) throw new UnauthorizedError('Wrong webhook secret');
        return { ok: true };
      },
    }),
  ];
}
