// /api/integrations/calendar: connecting a Google Calendar, by sharing it with the service account
// (seed 002's {email}) or through Google sign-in (OAuth: consent URL, then Google's redirect back).
import { z } from 'zod';
import type { CalendarConnections } from '../../core/integrations/calendar-connections.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';

export interface CalendarRouteDeps {
  calendars: CalendarConnections;
  /** PUBLIC_URL, or undefined: the request's own origin is used for Google's redirect back. */
  publicUrl?: string;
}

export const OAUTH_CALLBACK_PATH = '/api/integrations/calendar/oauth/callback';

const calendarIntegration = z
  .object({
    id: z.string(),
    type: z.literal('calendar'),
    status: z.enum(['pending', 'connected', 'stopped', 'error']),
    status_reason: z.string().nullable(),
    connected_at: z.string().nullable(),
    mode: z.enum(['service_account', 'oauth']),
    calendar_id: z.string().optional(),
    share_with: z.string().optional(),
  })
  .meta({ id: 'CalendarIntegration' });

export function calendarRoutes(deps: CalendarRouteDeps): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/integrations/calendar/setup',
      tag: 'integrations',
      access: 'authenticated',
      summary:
        'How this server connects Google Calendar: the address to share a calendar with, and whether Google sign-in is offered',
      responses: {
        200: {
          description: 'Modes offered',
          schema: z.object({
            service_account: z.object({ share_with: z.string() }).nullable(),
            oauth: z.boolean(),
          }),
        },
      },
      handler: async () => deps.calendars.setup(),
    }),
    route({
      method: 'post',
      path: '/integrations/calendar',
      tag: 'integrations',
      access: 'write',
      summary:
        'Connect a Google Calendar shared with the service account ("Make changes to events"); connected once Google proves access, otherwise 422 saying what to share with whom (the connection stays pending: test it after sharing)',
      body: z.object({
        email: z
          .string()
          .trim()
          .max(320)
          .pipe(z.email('The calendar id: your Google address, or the id under "Integrate calendar"')),
      }),
      responses: {
        201: { description: 'Connected', schema: calendarIntegration },
        200: { description: 'Already connected: checked again', schema: calendarIntegration },
        409: { description: 'Another account connected this calendar, or this server offers no service-account mode' },
        422: { description: 'Google refused: the calendar is not shared with share_with, or only read-only' },
        503: { description: 'Google cannot be reached right now' },
      },
      handler: async (ctx, { body }) => {
        const { integration, created } = await deps.calendars.connectServiceAccount(
          currentOwner(ctx.state).id,
          body.email,
        );
        ctx.status = created ? 201 : 200;
        return integration;
      },
    }),
    route({
      method: 'get',
      path: '/integrations/calendar/oauth/start',
      tag: 'integrations',
      access: 'write',
      summary:
        'Google sign-in: the consent URL to open (valid ten minutes, once); Google sends the owner back to the callback',
      responses: {
        200: { description: 'Consent URL', schema: z.object({ url: z.string() }) },
        409: { description: 'This server offers no Google sign-in' },
      },
      handler: async (ctx) => {
        ctx.set('Cache-Control', 'no-store');
        // Koa 3's ctx.origin is the Origin request header; this server's own address is protocol and host.
        const base = deps.publicUrl ?? `${ctx.protocol}://${ctx.host}`;
        return deps.calendars.startOAuth(currentOwner(ctx.state).id, `${base}${OAUTH_CALLBACK_PATH}`);
      },
    }),
    route({
      method: 'get',
      path: '/integrations/calendar/oauth/callback',
      tag: 'integrations',
      access: 'public',
      summary:
        "Google's redirect after consent: checks the one-time state, stores the sealed refresh token, connects the calendar",
      query: z.object({
        state: z.string().max(200).optional(),
        code: z.string().max(2000).optional(),
        error: z.string().max(200).optional(),
      }),
      responses: {
        200: { description: 'Connected', schema: calendarIntegration },
        409: { description: 'Another account connected this calendar' },
        422: { description: 'Unknown, expired or reused state; consent refused; Google refused the code' },
      },
      handler: async (ctx, { query }) => {
        ctx.set('Cache-Control', 'no-store');
        return deps.calendars.finishOAuth(query);
      },
    }),
  ];
}
