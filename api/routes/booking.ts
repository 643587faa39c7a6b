// /api/booking: the owner's booking set-up (settings, services, staff), free slots, price-list
// suggestions and the secret calendar feed. The bookings themselves are in bookings.ts.
import { z } from 'zod';
import type { Context } from 'koa';
import type { BookingModule } from '../../core/booking/booking-module.ts';
import { dateExceptionsSchema, weeklyHoursSchema } from '../../core/booking/working-hours.ts';
import { NotFoundError } from '../../core/errors.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner, type AppState } from '../state.ts';

export interface BookingRouteDeps {
  booking: BookingModule;
  /** Where calendar apps reach this server; the request's own origin when unset. */
  publicUrl?: string;
}

export const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'Not a calendar date');

const slot = z
  .object({ start: z.string(), end: z.string(), staff_id: z.string().optional() })
  .meta({ id: 'BookingSlot', description: 'ISO 8601 with the business’s UTC offset' });

const settingsBody = z
  .object({
    timezone: z.string().min(1).max(64),
    slot_minutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60),
    min_notice_minutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 60),
    horizon_days: z.number().int().min(1).max(366),
    hours: weeklyHoursSchema,
    exceptions: dateExceptionsSchema,
    reminder_minutes: z
      .number()
      .int()
      .min(0)
      .max(14 * 24 * 60)
      .meta({ description: 'How long before a visit the customer is reminded; 0 turns reminders off' }),
  })
  .partial()
  .strict();
const settingsView = z
  .object({
    timezone: z.string(),
    slot_minutes: z.number(),
    min_notice_minutes: z.number(),
    horizon_days: z.number(),
    hours: weeklyHoursSchema,
    exceptions: dateExceptionsSchema,
    reminder_minutes: z.number(),
    ics_url: z.string().meta({ description: 'The secret calendar feed: anyone with this URL sees the bookings' }),
  })
  .meta({ id: 'BookingSettings' });

const serviceBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    duration_minutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60),
    price: z.number().min(0).max(1e9).nullable().optional(),
    buffer_minutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .optional(),
    staff_ids: z.array(z.uuid('Not a valid staff id')).max(100).optional(),
  })
  .strict();
const serviceView = z
  .object({
    id: z.string(),
    name: z.string(),
    duration_minutes: z.number(),
    price: z.number().nullable(),
    buffer_minutes: z.number(),
    staff_ids: z.array(z.string()),
  })
  .meta({ id: 'BookingService' });

const staffBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    hours: weeklyHoursSchema.nullable().optional().meta({ description: 'Own working hours; null: the business’s' }),
    exceptions: dateExceptionsSchema.optional(),
    active: z.boolean().optional(),
  })
  .strict();
const staffView = z
  .object({
    id: z.string(),
    name: z.string(),
    hours: weeklyHoursSchema.nullable(),
    exceptions: dateExceptionsSchema,
    active: z.boolean(),
  })
  .meta({ id: 'StaffMember' });

const idParams = z.object({ id: z.uuid('Not a valid id') });
const MAX_RANGE_DAYS = 62;

function feedUrl(ctx: Context, publicUrl: string | undefined, token: string): string {
  return `${publicUrl ?? `${ctx.protocol}://${ctx.host}`}/api/booking/feed.ics?token=${encodeURIComponent(token)}`;
}

export function bookingRoutes(deps: BookingRouteDeps): AnyRoute[] {
  const { booking } = deps;
  const settingsWithFeed = async (ctx: Context & { state: AppState }, ownerId: string) => ({
    ...(await booking.settings.get(ownerId)),
    ics_url: feedUrl(ctx, deps.publicUrl, await booking.settings.feedToken(ownerId)),
  });
  return [
    route({
      method: 'get',
      path: '/booking/settings',
      tag: 'booking',
      access: 'authenticated',
      summary: 'Booking rules (hours, slot step, notice, horizon, reminders) and the secret calendar feed URL',
      responses: { 200: { description: 'The settings', schema: settingsView } },
      handler: (ctx) => settingsWithFeed(ctx, currentOwner(ctx.state).id),
    }),
    route({
      method: 'put',
      path: '/booking/settings',
      tag: 'booking',
      access: 'write',
      summary: 'Change the booking rules; fields left out keep their value (timezone is the account’s)',
      body: settingsBody,
      responses: { 200: { description: 'The settings now', schema: settingsView } },
      handler: async (ctx, { body }) => {
        const ownerId = currentOwner(ctx.state).id;
        await booking.settings.update(ownerId, body);
        return settingsWithFeed(ctx, ownerId);
      },
    }),
    route({
      method: 'post',
      path: '/booking/feed/rotate',
      tag: 'booking',
      access: 'write',
      summary: 'A new secret feed URL; the old one stops working at once',
      responses: { 200: { description: 'The new URL', schema: z.object({ ics_url: z.string() }) } },
      handler: async (ctx) => ({
        ics_url: feedUrl(ctx, deps.publicUrl, await booking.settings.rotateFeedToken(currentOwner(ctx.state).id)),
      }),
    }),
    route({
      method: 'get',
      path: '/booking/feed.ics',
      tag: 'booking',
      access: 'public',
      summary: 'The owner’s confirmed bookings as iCalendar, for a calendar app to subscribe to (the token is the key)',
      query: z.object({ token: z.string().max(200).optional() }),
      responses: { 200: { description: 'text/calendar' }, 404: { description: 'No feed with this token' } },
      handler: async (ctx, { query }) => {
        const feed = query.token ? await booking.feed(query.token) : undefined;
        if (feed === undefined) throw new NotFoundError('Not found');
        ctx.type = 'text/calendar; charset=utf-8';
        ctx.set('Cache-Control', 'private, max-age=300');
        ctx.set('Content-Disposition', 'inline; filename="bookings.ics"');
        return feed;
      },
    }),
    route({
      method: 'get',
      path: '/booking/services/suggestions',
      tag: 'booking',
      access: 'authenticated',
      summary: 'Services read from the uploaded price list (rows with a name and a price), to confirm; none is created',
      responses: {
        200: {
          description: 'Candidates not yet among the services',
          schema: z.array(z.object({ name: z.string(), price: z.number(), duration_minutes: z.number().optional() })),
        },
      },
      handler: (ctx) => booking.suggestions(currentOwner(ctx.state).id),
    }),
    route({
      method: 'get',
      path: '/booking/services',
      tag: 'booking',
      access: 'authenticated',
      summary: 'The services customers can book',
      responses: { 200: { description: 'Services', schema: z.array(serviceView) } },
      handler: (ctx) => booking.services.list(currentOwner(ctx.state).id),
    }),
    route({
      method: 'post',
      path: '/booking/services',
      tag: 'booking',
      access: 'write',
      summary: 'Add a service (staff_ids: who does it; none listed: everyone)',
      body: serviceBody,
      responses: { 201: { description: 'Created', schema: serviceView } },
      handler: async (ctx, { body }) => {
        ctx.status = 201;
        return booking.services.create(currentOwner(ctx.state).id, body);
      },
    }),
    route({
      method: 'get',
      path: '/booking/services/:id',
      tag: 'booking',
      access: 'authenticated',
      summary: 'One service',
      params: idParams,
      responses: { 200: { description: 'The service', schema: serviceView }, 404: { description: 'No such service' } },
      handler: (ctx, { params }) => booking.services.get(currentOwner(ctx.state).id, params.id),
    }),
    route({
      method: 'put',
      path: '/booking/services/:id',
      tag: 'booking',
      access: 'write',
      summary: 'Replace a service',
      params: idParams,
      body: serviceBody,
      responses: { 200: { description: 'The service', schema: serviceView }, 404: { description: 'No such service' } },
      handler: (ctx, { params, body }) => booking.services.replace(currentOwner(ctx.state).id, params.id, body),
    }),
    route({
      method: 'delete',
      path: '/booking/services/:id',
      tag: 'booking',
      access: 'write',
      summary: 'Stop offering a service (bookings already made for it stand)',
      params: idParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such service' } },
      handler: async (ctx, { params }) => {
        await booking.services.remove(currentOwner(ctx.state).id, params.id);
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/booking/staff',
      tag: 'booking',
      access: 'authenticated',
      summary: 'Staff members (optional: without any, the business itself takes bookings)',
      responses: { 200: { description: 'Staff', schema: z.array(staffView) } },
      handler: (ctx) => booking.staff.list(currentOwner(ctx.state).id),
    }),
    route({
      method: 'post',
      path: '/booking/staff',
      tag: 'booking',
      access: 'write',
      summary: 'Add a staff member',
      body: staffBody,
      responses: { 201: { description: 'Created', schema: staffView } },
      handler: async (ctx, { body }) => {
        ctx.status = 201;
        return booking.staff.create(currentOwner(ctx.state).id, body);
      },
    }),
    route({
      method: 'get',
      path: '/booking/staff/:id',
      tag: 'booking',
      access: 'authenticated',
      summary: 'One staff member',
      params: idParams,
      responses: {
        200: { description: 'Staff member', schema: staffView },
        404: { description: 'No such staff member' },
      },
      handler: (ctx, { params }) => booking.staff.get(currentOwner(ctx.state).id, params.id),
    }),
    route({
      method: 'put',
      path: '/booking/staff/:id',
      tag: 'booking',
      access: 'write',
      summary: 'Replace a staff member (active: false stops new bookings)',
      params: idParams,
      body: staffBody,
      responses: {
        200: { description: 'Staff member', schema: staffView },
        404: { description: 'No such staff member' },
      },
      handler: (ctx, { params, body }) => booking.staff.replace(currentOwner(ctx.state).id, params.id, body),
    }),
    route({
      method: 'delete',
      path: '/booking/staff/:id',
      tag: 'booking',
      access: 'write',
      summary: 'Remove a staff member; refused (409) while they have upcoming bookings',
      params: idParams,
      responses: {
        204: { description: 'Removed' },
        404: { description: 'No such staff member' },
        409: { description: 'Upcoming bookings' },
      },
      handler: async (ctx, { params }) => {
        await booking.staff.remove(currentOwner(ctx.state).id, params.id, booking.now());
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/booking/availability',
      tag: 'booking',
      access: 'authenticated',
      summary: 'Free slots for a service on local dates [from, to], per staff member when there are staff',
      query: z
        .object({
          service_id: z.uuid('Not a valid service id'),
          from: localDate,
          to: localDate,
          staff_id: z.uuid().optional(),
        })
        .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
        .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_RANGE_DAYS * 86_400_000, {
          message: `At most ${MAX_RANGE_DAYS} days at a time`,
          path: ['to'],
        }),
      responses: {
        200: { description: 'Free slots, by start', schema: z.array(slot) },
        404: { description: 'No such service' },
      },
      handler: (ctx, { query }) =>
        booking.bookings.availability(currentOwner(ctx.state).id, {
          serviceId: query.service_id,
          fromDate: query.from,
          toDate: query.to,
          staffId: query.staff_id,
        }),
    }),
  ];
}
