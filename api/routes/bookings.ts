// /api/bookings: the owner's bookings. Create, move and cancel go through the same booking service as
// the customers' own, so the database's no-overlap rule answers 409 (with the nearest free times) here too.
import { z } from 'zod';
import type { Context } from 'koa';
import type { BookingModule } from '../../core/booking/booking-module.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';
import { pageQuery } from './admin.ts';
import { localDate } from './booking.ts';

const instant = z.iso.datetime({
  offset: true,
  message: 'Use ISO 8601 with a UTC offset, e.g. 2026-12-10T15:00:00+01:00',
});
const dateOrInstant = z.union([localDate, instant], 'Use YYYY-MM-DD (a local date) or ISO 8601 with a UTC offset');

const bookingView = z
  .object({
    id: z.string(),
    service_id: z.string(),
    service_name: z.string(),
    staff_id: z.string().nullable(),
    start: z.string(),
    end: z.string(),
    status: z.enum(['confirmed', 'cancelled']),
    customer_name: z.string(),
    customer_phone: z.string().nullable(),
    source: z.enum(['owner', 'customer']),
    channel: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Booking' });
const takenView = z
  .object({
    detail: z.string(),
    alternatives: z.array(z.object({ start: z.string(), end: z.string(), staff_id: z.string().optional() })),
  })
  .meta({ id: 'SlotTaken' });
const idParams = z.object({ id: z.uuid('Not a valid booking id') });

/** RFC 8288 links to the other pages, relative to this request (whatever host or proxy it came through). */
function pageLinks(ctx: Context, page: number, pageSize: number, total: number): string {
  const last = Math.max(1, Math.ceil(total / pageSize));
  const link = (target: number, rel: string) => {
    const params = new URLSearchParams(ctx.querystring);
    params.set('page', String(target));
    params.set('page_size', String(pageSize));
    return `<${ctx.path}?${params.toString()}>; rel="${rel}"`;
  };
  const links = [link(1, 'first')];
  if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'));
  if (page < last) links.push(link(page + 1, 'next'));
  links.push(link(last, 'last'));
  return links.join(', ');
}

export function bookingsRoutes({ booking }: { booking: BookingModule }): AnyRoute[] {
  const service = booking.bookings;
  return [
    route({
      method: 'get',
      path: '/bookings',
      tag: 'bookings',
      access: 'authenticated',
      summary: 'Bookings overlapping [from, to) by start (a bare array; X-Total-Count and Link headers give the pages)',
      query: pageQuery.extend({
        from: dateOrInstant.optional(),
        to: dateOrInstant.optional().meta({ description: 'A date counts as its whole day' }),
        status: z.enum(['confirmed', 'cancelled']).optional(),
      }),
      responses: { 200: { description: 'A page of bookings', schema: z.array(bookingView) } },
      handler: async (ctx, { query }) => {
        const ownerId = currentOwner(ctx.state).id;
        const days = await service.dayBounds(
          ownerId,
          query.from?.length === 10 ? query.from : undefined,
          query.to?.length === 10 ? query.to : undefined,
        );
        const from = query.from && query.from.length > 10 ? new Date(query.from) : days.from;
        const to = query.to && query.to.length > 10 ? new Date(query.to) : days.to;
        const { items, total } = await service.list(
          ownerId,
          { from, to, status: query.status },
          { page: query.page, pageSize: query.page_size },
        );
        ctx.set('X-Total-Count', String(total));
        ctx.set('Link', pageLinks(ctx, query.page, query.page_size, total));
        return items;
      },
    }),
    route({
      method: 'post',
      path: '/bookings',
      tag: 'bookings',
      access: 'write',
      summary: 'Book a time for a customer (any free time: the owner is not held to hours, notice or horizon)',
      body: z
        .object({
          service_id: z.uuid('Not a valid service id'),
          start: instant,
          customer_name: z.string().trim().min(1).max(200),
          customer_phone: z.string().trim().min(3).max(40).nullable().optional(),
          staff_id: z.uuid('Not a valid staff id').nullable().optional(),
        })
        .strict(),
      responses: {
        201: { description: 'Booked', schema: bookingView },
        404: { description: 'No such service' },
        409: { description: 'The time is taken; the nearest free times are offered', schema: takenView },
      },
      handler: async (ctx, { body }) => {
        const created = await service.book(
          { kind: 'owner', ownerId: currentOwner(ctx.state).id },
          {
            serviceId: body.service_id,
            start: new Date(body.start),
            staffId: body.staff_id ?? undefined,
            customerName: body.customer_name,
            customerPhone: body.customer_phone ?? null,
          },
        );
        ctx.status = 201;
        return created;
      },
    }),
    route({
      method: 'get',
      path: '/bookings/:id',
      tag: 'bookings',
      access: 'authenticated',
      summary: 'One booking',
      params: idParams,
      responses: { 200: { description: 'The booking', schema: bookingView }, 404: { description: 'No such booking' } },
      handler: (ctx, { params }) => service.get(currentOwner(ctx.state).id, params.id),
    }),
    route({
      method: 'patch',
      path: '/bookings/:id',
      tag: 'bookings',
      access: 'write',
      summary: 'Move a booking to a new start (and, optionally, another staff member)',
      params: idParams,
      body: z.object({ start: instant, staff_id: z.uuid('Not a valid staff id').nullable().optional() }).strict(),
      responses: {
        200: { description: 'Moved', schema: bookingView },
        404: { description: 'No such booking' },
        409: { description: 'The time is taken, or the booking is cancelled', schema: takenView },
      },
      handler: (ctx, { params, body }) =>
        service.move({ kind: 'owner', ownerId: currentOwner(ctx.state).id }, params.id, {
          start: new Date(body.start),
          staffId: body.staff_id ?? undefined,
        }),
    }),
    route({
      method: 'delete',
      path: '/bookings/:id',
      tag: 'bookings',
      access: 'write',
      summary: 'Cancel a booking (it stays listed, with status cancelled)',
      params: idParams,
      responses: { 200: { description: 'Cancelled', schema: bookingView }, 404: { description: 'No such booking' } },
      handler: (ctx, { params }) => service.cancel({ kind: 'owner', ownerId: currentOwner(ctx.state).id }, params.id),
    }),
  ];
}
