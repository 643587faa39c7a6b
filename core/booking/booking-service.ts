// The one booking service: the owner's API and the customer flows (model tool calls, guided buttons)
// call it with who is acting. A customer may only take a slot that is offered (working hours, grid,
// notice, horizon, free) and only see, move and cancel their own bookings; the owner may book any
// free time. Either way the database's exclusion constraint has the last word on "free".
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { DateTime } from 'luxon';
import { ConflictError, NotFoundError, SlotTakenError } from '../errors.ts';
import type { Actor, BookingChange, BookingHookSet, BookingHooks, ExternalBusySource } from './booking-hooks.ts';
import type { BookingSettingsStore } from './booking-settings.ts';
import {
  cancelBooking,
  findBooking,
  insertBooking,
  listBookings,
  rescheduleBooking,
  type BookingRecord,
  type BookingStatus,
} from './bookings.ts';
import type { ServiceCatalog } from './services.ts';
import { createSlotFinder, isoIn, slotViews, type SlotContext, type SlotView } from './slot-finder.ts';
import type { StaffDirectory } from './staff.ts';

export interface BookingView {
  id: string;
  service_id: string;
  service_name: string;
  staff_id: string | null;
  start: string;
  end: string;
  status: BookingStatus;
  customer_name: string;
  customer_phone: string | null;
  source: 'owner' | 'customer';
  channel: string | null;
  created_at: string;
  updated_at: string;
}

export interface BookInput {
  serviceId: string;
  start: Date;
  /** A chosen staff member; otherwise the first who is free. */
  staffId?: string | null;
  customerName: string;
  customerPhone?: string | null;
  /** The customer's language, for their reminder. */
  language?: string;
}

export type SlotSearch =
  | { serviceId: string; staffId?: string | null; fromDate: string; toDate: string }
  | { serviceId: string; staffId?: string | null; nearest: number; after?: Date };

export interface BookingServiceDeps {
  db: Knex;
  logger: Logger;
  settings: BookingSettingsStore;
  services: ServiceCatalog;
  staff: StaffDirectory;
  externalBusy?: ExternalBusySource;
  hooks?: Partial<BookingHookSet>;
  now?: () => Date;
}

/** How many nearest free times a refused booking offers instead. */
const ALTERNATIVES = 3;

export type BookingService = ReturnType<typeof createBookingService>;

export function createBookingService(deps: BookingServiceDeps) {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const finder = createSlotFinder({ ...deps, now });
  const writers = deps.hooks?.writers ?? [];
  const listeners = deps.hooks?.listeners ?? [];

  async function view(booking: BookingRecord, zone?: string, serviceName?: string): Promise<BookingView> {
    const timezone = zone ?? (await deps.settings.get(booking.ownerId)).timezone;
    return {
      id: booking.id,
      service_id: booking.serviceId,
      service_name: serviceName ?? (await deps.services.name(booking.ownerId, booking.serviceId)) ?? '',
      staff_id: booking.staffId,
      start: isoIn(booking.startsAt.getTime(), timezone),
      end: isoIn(booking.endsAt.getTime(), timezone),
      status: booking.status,
      customer_name: booking.customerName,
      customer_phone: booking.customerPhone,
      source: booking.source,
      channel: booking.channel,
      created_at: booking.createdAt.toISOString(),
      updated_at: booking.updatedAt.toISOString(),
    };
  }

  async function refuse(ctx: SlotContext, around: Date, message: string, except?: string): Promise<never> {
    const alternatives = await finder.closestTo(ctx, around, ALTERNATIVES, except);
    throw new SlotTakenError(message, slotViews(alternatives, ctx.settings.timezone));
  }

  /**
   * The schedules to try for `start`, in order. A customer gets only those offering this very slot;
   * the owner any that the external calendar does not show busy.
   */
  async function candidatesFor(
    ctx: SlotContext,
    actor: Actor,
    start: Date,
    except?: string,
  ): Promise<(string | null)[]> {
    const { timezone } = ctx.settings;
    const durationMs = ctx.service.duration_minutes * 60_000;
    const blockedMs = durationMs + ctx.service.buffer_minutes * 60_000;
    if (actor.kind === 'customer') {
      const day = DateTime.fromJSDate(start, { zone: timezone }).toISODate()!;
      const offered = await finder.slots(ctx, day, day, except);
      return offered.filter((slot) => slot.start === start.getTime()).map((slot) => slot.staffId);
    }
    const free: (string | null)[] = [];
    for (const schedule of ctx.schedules) {
      const busy = await finder.externallyBusy(ctx, schedule.staffId, start, new Date(start.getTime() + blockedMs));
      if (!busy) free.push(schedule.staffId);
    }
    return free;
  }

  async function run(hooks: BookingHooks[], event: keyof BookingHooks, change: BookingChange): Promise<void> {
    for (const hook of hooks) await hook[event]?.(change);
  }

  async function notify(event: keyof BookingHooks, change: BookingChange): Promise<void> {
    for (const hook of listeners) {
      try {
        await hook[event]?.(change);
      } catch (error) {
        logger.error(
          { err: error, ownerId: change.booking.ownerId, bookingId: change.booking.id, event },
          'booking listener failed',
        );
      }
    }
  }

  /** A booking this actor may change: the owner any of theirs, a customer only their own upcoming one. */
  async function changeable(actor: Actor, id: string): Promise<BookingRecord> {
    const booking = await findBooking(db, actor.ownerId, id);
    if (!booking) throw new NotFoundError('Booking not found');
    if (actor.kind === 'customer') {
      if (booking.channel !== actor.channel || booking.chatRef !== actor.chatRef)
        throw new NotFoundError('Booking not found');
      if (booking.startsAt <= now()) throw new ConflictError('This booking has already started');
    }
    if (booking.status !== 'confirmed') throw new ConflictError('This booking is cancelled');
    return booking;
  }

  return {
    /** Owner view: every free slot of every staff member who does the service, on local dates [from, to]. */
    async availability(
      ownerId: string,
      query: { serviceId: string; fromDate: string; toDate: string; staffId?: string },
    ): Promise<SlotView[]> {
      const ctx = await finder.context(ownerId, query.serviceId, query.staffId);
      const slots = await finder.slots(ctx, query.fromDate, query.toDate);
      return slotViews(slots, ctx.settings.timezone);
    },

    /** Customer view: free start times (one per time, whoever takes it), by date range or the nearest N. */
    async findSlots(actor: Actor, search: SlotSearch): Promise<SlotView[]> {
      const ctx = await finder.context(actor.ownerId, search.serviceId, search.staffId);
      const slots =
        'nearest' in search
          ? await finder.nearest(ctx, search.nearest, search.after)
          : await finder.slots(ctx, search.fromDate, search.toDate);
      const seen = new Set<number>();
      const distinct = search.staffId ? slots : slots.filter((slot) => !seen.has(slot.start) && seen.add(slot.start));
      return slotViews(
        search.staffId ? distinct : distinct.map((slot) => ({ ...slot, staffId: null })),
        ctx.settings.timezone,
      );
    },

    async book(actor: Actor, input: BookInput): Promise<BookingView> {
      const ctx = await finder.context(actor.ownerId, input.serviceId, input.staffId);
      const { timezone } = ctx.settings;
      const startsAt = input.start;
      const endsAt = new Date(startsAt.getTime() + ctx.service.duration_minutes * 60_000);
      const blockedUntil = new Date(endsAt.getTime() + ctx.service.buffer_minutes * 60_000);
      const candidates = await candidatesFor(ctx, actor, startsAt);
      let booking: BookingRecord | undefined;
      for (const staffId of candidates) {
        const inserted = await insertBooking(db, actor.ownerId, {
          serviceId: ctx.service.id,
          staffId,
          startsAt,
          endsAt,
          blockedUntil,
          customerName: input.customerName,
          customerPhone: input.customerPhone ?? null,
          source: actor.kind,
          channel: actor.kind === 'customer' ? actor.channel : null,
          chatRef: actor.kind === 'customer' ? actor.chatRef : null,
          language: input.language ?? null,
        });
        if (inserted !== 'taken') {
          booking = inserted;
          break;
        }
      }
      if (!booking)
        return refuse(
          ctx,
          startsAt,
          candidates.length === 0 ? 'This time is not available' : 'This time has just been taken',
        );
      const change: BookingChange = { booking, actor, timeZone: timezone, serviceName: ctx.service.name };
      try {
        await run(writers, 'booked', change);
      } catch (error) {
        await cancelBooking(db, actor.ownerId, booking.id, now());
        throw error;
      }
      await notify('booked', change);
      return view(booking, timezone, ctx.service.name);
    },

    async move(actor: Actor, id: string, to: { start: Date; staffId?: string | null }): Promise<BookingView> {
      const previous = await changeable(actor, id);
      const ctx = await finder.context(actor.ownerId, previous.serviceId, to.staffId, true);
      const startsAt = to.start;
      const endsAt = new Date(startsAt.getTime() + ctx.service.duration_minutes * 60_000);
      const blockedUntil = new Date(endsAt.getTime() + ctx.service.buffer_minutes * 60_000);
      const candidates = await candidatesFor(ctx, actor, startsAt, id);
      // The booking's own staff member first, when they are free then.
      candidates.sort((a, b) => Number(b === previous.staffId) - Number(a === previous.staffId));
      let booking: BookingRecord | undefined;
      for (const staffId of candidates) {
        const moved = await rescheduleBooking(db, actor.ownerId, id, { staffId, startsAt, endsAt, blockedUntil });
        if (moved === undefined) throw new ConflictError('This booking has just been cancelled');
        if (moved !== 'taken') {
          booking = moved;
          break;
        }
      }
      if (!booking)
        return refuse(
          ctx,
          startsAt,
          candidates.length === 0 ? 'This time is not available' : 'This time has just been taken',
          id,
        );
      const change: BookingChange = {
        booking,
        previous,
        actor,
        timeZone: ctx.settings.timezone,
        serviceName: ctx.service.name,
      };
      try {
        await run(writers, 'moved', change);
      } catch (error) {
        const back = await rescheduleBooking(db, actor.ownerId, id, previous).catch((undo: unknown) => undo);
        if (back === 'taken' || back instanceof Error)
          logger.error({ err: back, ownerId: actor.ownerId, bookingId: id }, 'a failed move could not be undone');
        throw error;
      }
      await notify('moved', change);
      return view(booking, ctx.settings.timezone, ctx.service.name);
    },

    async cancel(actor: Actor, id: string): Promise<BookingView> {
      const current = await findBooking(db, actor.ownerId, id);
      // Cancelling twice is not an error for the owner: the booking is cancelled either way.
      if (actor.kind === 'owner' && current?.status === 'cancelled') return view(current);
      await changeable(actor, id);
      const booking = await cancelBooking(db, actor.ownerId, id, now());
      if (!booking) throw new ConflictError('This booking has just been changed; try again');
      const settings = await deps.settings.get(actor.ownerId);
      const serviceName = (await deps.services.name(actor.ownerId, booking.serviceId)) ?? '';
      const change: BookingChange = { booking, actor, timeZone: settings.timezone, serviceName };
      try {
        await run(writers, 'cancelled', change);
      } catch (error) {
        logger.error({ err: error, ownerId: actor.ownerId, bookingId: id }, 'a calendar did not take a cancellation');
      }
      await notify('cancelled', change);
      return view(booking, settings.timezone, serviceName);
    },

    /** This customer's upcoming confirmed bookings, soonest first; never anyone else's. */
    async listMyBookings(actor: Extract<Actor, { kind: 'customer' }>): Promise<BookingView[]> {
      const { items } = await listBookings(db, actor.ownerId, {
        customer: { channel: actor.channel, chatRef: actor.chatRef },
        status: 'confirmed',
        endingAfter: now(),
      });
      return views(actor.ownerId, items);
    },

    async get(ownerId: string, id: string): Promise<BookingView> {
      const booking = await findBooking(db, ownerId, id);
      if (!booking) throw new NotFoundError('Booking not found');
      return view(booking);
    },

    /** The owner's bookings overlapping [from, to), by start, one page at a time. */
    async list(
      ownerId: string,
      filter: { from?: Date; to?: Date; status?: BookingStatus },
      page: { page: number; pageSize: number },
    ): Promise<{ items: BookingView[]; total: number }> {
      const { items, total } = await listBookings(db, ownerId, filter, page);
      return { items: await views(ownerId, items), total };
    },

    /** Local dates in the business's timezone, as instants (for "from"/"to" given as dates). */
    async dayBounds(ownerId: string, fromDate?: string, toDate?: string): Promise<{ from?: Date; to?: Date }> {
      const { timezone } = await deps.settings.get(ownerId);
      return {
        from: fromDate ? DateTime.fromISO(fromDate, { zone: timezone }).toJSDate() : undefined,
        to: toDate ? DateTime.fromISO(toDate, { zone: timezone }).plus({ days: 1 }).toJSDate() : undefined,
      };
    },
  };

  async function views(ownerId: string, items: BookingRecord[]): Promise<BookingView[]> {
    if (items.length === 0) return [];
    const { timezone } = await deps.settings.get(ownerId);
    const names = new Map<string, string>();
    for (const id of new Set(items.map((item) => item.serviceId)))
      names.set(id, (await deps.services.name(ownerId, id)) ?? '');
    return Promise.all(items.map((item) => view(item, timezone, names.get(item.serviceId))));
  }
}
