// The Koa app factory: middleware in order, routers mounted, nothing listening (tests use callback()).
import Koa from 'koa';
import { Router } from '@koa/router';
import cors from '@koa/cors';
import helmet from 'koa-helmet';
import { bodyParser } from '@koa/bodyparser';
import type { Logger } from 'pino';
import { createDocument } from 'zod-openapi';
import type { AccountService } from '../core/accounts/account-service.ts';
import type { createAdminService } from '../core/accounts/admin-service.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { requestContext } from './middleware/request-context.ts';
import { refuseNulBytes } from './middleware/refuse-nul-bytes.ts';
import { createAccessGuards } from './middleware/access-guards.ts';
import { mount, openApiPaths, type AnyRoute } from './route.ts';
import { authRoutes } from './routes/auth.ts';
import { adminRoutes } from './routes/admin.ts';
import { systemRoutes, type HealthReport } from './routes/system.ts';
import { agentRoutes, type AgentRouteDeps } from './routes/agent.ts';
import { usageRoutes } from './routes/usage.ts';
import { historyRoutes } from './routes/history.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { bookingRoutes } from './routes/booking.ts';
import { bookingsRoutes } from './routes/bookings.ts';
import type { BookingModule } from '../core/booking/booking-module.ts';
import { calendarRoutes, type CalendarRouteDeps } from './routes/calendar.ts';
import type { HistoryService } from '../core/conversations/history-service.ts';
import type { IntegrationsService } from '../core/integrations/integrations-service.ts';
import type { UsageService } from '../core/usage/usage-service.ts';
import type { WebhookReceiver } from '../core/ports/channel.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import {
  whatsappIntegrationRoutes,
  whatsappQrRoutes,
  whatsappWebhookRoutes,
  type WhatsAppRouteDeps,
} from './routes/whatsapp.ts';
import type { AppState } from './state.ts';

export interface AppDeps {
  info: { name: string; version: string };
  logger: Logger;
  jwtSecret: string;
  corsOrigins: string[];
  trustProxy?: boolean;
  accounts: AccountService;
  admin: ReturnType<typeof createAdminService>;
  health: () => Promise<HealthReport>;
  agent: AgentRouteDeps;
  usage: UsageService;
  history: HistoryService;
  integrations: IntegrationsService;
  /** Present in webhook mode (PUBLIC_URL set). */
  telegramWebhook?: WebhookReceiver;
  whatsapp: WhatsAppRouteDeps;
  booking: BookingModule;
  /** Where the outside world reaches this server (the calendar feed's URL); the request's origin when unset. */
  publicUrl?: string;
  calendar: CalendarRouteDeps;
}

export const JSON_BODY_LIMIT = '1mb';

export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: deps.trustProxy ?? false });
  // Koa's default handler prints stacks to stderr; every error is already logged by errorHandler.
  app.silent = true;
  app.on('error', (error: unknown) => deps.logger.error({ err: error }, 'unhandled koa error'));

  app.use(requestContext(deps.logger));
  app.use(errorHandler());
  app.use(helmet());
  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get('Origin');
        if (deps.corsOrigins.includes('*')) return '*';
        return deps.corsOrigins.includes(origin) ? origin : '';
      },
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'X-Total-Count', 'Link'],
      maxAge: 600,
    }),
  );
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: JSON_BODY_LIMIT,
      encoding: 'utf-8',
      onError(error, ctx) {
        const status = (error as { status?: number }).status;
        if (status === 413) ctx.throw(413, 'Request body is too large (the limit is 1 MB)');
        ctx.throw(400, 'Malformed JSON body');
      },
    }),
  );
  // Channel webhooks (outside /api) are taken as sent: their texts are cleaned where they are stored.
  app.use(refuseNulBytes('/api/'));

  const guards = createAccessGuards(deps.accounts, deps.jwtSecret);
  const system = [
    ...systemRoutes(deps.info, deps.health),
    ...webhookRoutes(deps.telegramWebhook),
    ...whatsappWebhookRoutes(deps.whatsapp),
  ];
  const api: AnyRoute[] = [
    ...authRoutes(deps.accounts),
    ...adminRoutes(deps.admin),
    ...agentRoutes(deps.agent),
    ...historyRoutes(deps.history),
    ...integrationRoutes(deps.integrations),
    ...calendarRoutes(deps.calendar),
    ...whatsappIntegrationRoutes(deps.whatsapp),
    ...whatsappQrRoutes(deps.whatsapp),
    ...usageRoutes(deps.usage),
    ...bookingRoutes({ booking: deps.booking, publicUrl: deps.publicUrl }),
    ...bookingsRoutes({ booking: deps.booking }),
  ];

  // Built when first asked for: turning every schema into JSON Schema is a tenth of a second of start-up.
  let document: ReturnType<typeof createDocument> | undefined;
  const root = new Router<AppState>();
  mount(root, system, guards);
  root.get('/api/openapi.json', (ctx) => {
    document ??= createDocument({
      openapi: '3.1.0',
      info: { title: 'Frontdesk admin API', version: deps.info.version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      paths: { ...openApiPaths('', system), ...openApiPaths('/api', api) },
    });
    ctx.body = document;
  });

  const apiRouter = new Router<AppState>({ prefix: '/api' });
  mount(apiRouter, api, guards);

  for (const router of [root, apiRouter]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
