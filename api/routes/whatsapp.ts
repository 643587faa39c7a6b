// WhatsApp Cloud API: connecting a number (owners) and Meta's webhook calls (verification, deliveries).
import { z } from 'zod';
import type { IntegrationsService } from '../../core/integrations/integrations-service.ts';
import { lazyImport } from '../../core/knowledge/lazy-import.ts';
import { ForbiddenError, InvalidError, UnauthorizedError } from '../../core/errors.ts';
import type { WhatsAppWebhookReceiver } from '../../core/ports/channel.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';

// Only owners linking WhatsApp Web see a QR code: the encoder and its PNG writer load when the first one is asked for.
const loadQrCode = lazyImport(() => import('qrcode'));

export interface WhatsAppRouteDeps {
  integrations: IntegrationsService;
  webhook: WhatsAppWebhookReceiver;
  /** PUBLIC_URL, or undefined: the request's own protocol and host make the webhook URL. */
  publicUrl?: string;
}

export function whatsappIntegrationRoutes(deps: WhatsAppRouteDeps): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/integrations/whatsapp',
      tag: 'integrations',
      access: 'write',
      summary:
        'Connect a WhatsApp Cloud API number ({phone_id, token, app_secret}; returns webhook_url and verify_token for Meta\'s dashboard) or start a WhatsApp Web session ({mode: "web"}; then scan GET /integrations/{id}/qr)',
      body: z.union([
        // Strict: a body mixing both (or with stray fields) is refused instead of silently taken as one of them.
        z.strictObject({
          phone_id: z.string().trim().min(1),
          token: z.string().trim().min(10).max(1000),
          app_secret: z.string().trim().min(8).max(200),
        }),
        z.strictObject({ mode: z.literal('web') }),
      ]),
      responses: {
        201: {
          description: 'Connected (Cloud API), or a WhatsApp Web session starting (status pending, then pending_qr)',
        },
        409: { description: 'Another account connected this number, or too many WhatsApp Web sessions' },
        422: { description: 'Meta rejected the credentials' },
      },
      handler: async (ctx, { body }) => {
        if ('mode' in body) {
          const integration = await deps.integrations.connectWhatsAppWeb(currentOwner(ctx.state).id);
          ctx.status = 201;
          return { ...integration, qr_url: `/api/integrations/${integration.id}/qr` };
        }
        // PUBLIC_URL, else this server as the request reached it (through a trusted proxy's
        // X-Forwarded-Proto/Host with TRUST_PROXY): never the Origin header, which names the browser's page.
        const base = deps.publicUrl ?? (ctx.host ? `${ctx.protocol}://${ctx.host}` : undefined);
        if (!base)
          throw new InvalidError('No webhook address', [
            {
              loc: ['header', 'host'],
              msg: 'The request names no host: set PUBLIC_URL to the public https URL of this server',
              type: 'missing',
            },
          ]);
        const { integration, created } = await deps.integrations.connectWhatsAppCloud(
          currentOwner(ctx.state).id,
          body,
          base,
        );
        ctx.status = created ? 201 : 200;
        return integration;
      },
    }),
  ];
}

export function whatsappQrRoutes(deps: Pick<WhatsAppRouteDeps, 'integrations'>): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/integrations/:id/qr',
      tag: 'integrations',
      access: 'authenticated',
      summary:
        'The QR code of a WhatsApp Web session waiting for a scan: the QR text and a PNG data URL (409 with the reason otherwise)',
      params: z.object({ id: z.uuid('Not a valid integration id') }),
      responses: {
        200: { description: 'QR code', schema: z.object({ qr: z.string(), png: z.string() }) },
        404: { description: 'No such integration' },
        409: { description: 'Not waiting for a scan (starting, connected, stopped, failed), with the reason' },
      },
      handler: async (ctx, { params }) => {
        const { qr } = await deps.integrations.qr(currentOwner(ctx.state).id, params.id);
        ctx.set('Cache-Control', 'no-store');
        const { default: QRCode } = await loadQrCode();
        return { qr, png: await QRCode.toDataURL(qr, { errorCorrectionLevel: 'M', margin: 2, width: 320 }) };
      },
    }),
  ];
}

export function whatsappWebhookRoutes(deps: WhatsAppRouteDeps): AnyRoute[] {
  const id = z.object({ id: z.uuid() });
  return [
    route({
      method: 'get',
      path: '/webhooks/whatsapp/:id',
      tag: 'webhooks',
      access: 'public',
      summary: "Meta's verification handshake",
      params: id,
      responses: { 200: { description: 'hub.challenge, as text' }, 403: { description: 'Wrong verify token' } },
      handler: async (ctx, { params }) => {
        const q = ctx.query as Record<string, string | undefined>;
        const challenge = await deps.webhook.verify(
          params.id,
          q['hub.mode'],
          q['hub.verify_token'],
          q['hub.challenge'],
        );
        if (challenge === undefined) throw new ForbiddenError('Verification failed: the verify token does not match');
        ctx.type = 'text/plain';
        return challenge;
      },
    }),
    route({
      method: 'post',
      path: '/webhooks/whatsapp/:id',
      tag: 'webhooks',
      access: 'public',
      summary: 'Message deliveries, signed with X-Hub-Signature-256',
      params: id,
      responses: {
        200: { description: 'Stored and queued' },
        401: { description: 'Wrong signature: nothing processed' },
      },
      handler: async (ctx, { params }) => {
        const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
        const accepted = await deps.webhook.accept(
          params.id,
          ctx.get('X-Hub-Signature-256') || undefined,
          raw,
          ctx.request.body,
        );
        if (!accepted) throw new UnauthorizedError('Invalid signature');
        return { ok: true };
      },
    }),
  ];
}
