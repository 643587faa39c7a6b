// Loads what availability needs for one owner and service (settings, the staff who do it, bookings and
// external busy time over the range) and runs the in-memory algorithm over it.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { InvalidError, NotFoundError } from '../errors.ts';
import { preparedRaw } from '../prepared-statement.ts';
import { freeSlots, type BusyBySchedule, type Slot } from './availability.ts';
import type { ExternalBusySource } from './booking-hooks.ts';
import type { BookingSettings, BookingSettingsStore } from './booking-settings.ts';
import { bookedIntervals } from './bookings.ts';
import type { BookableService } from './services.ts';
import type { StaffMember } from './staff.ts';
import type { Interval, Schedule } from './working-hours.ts';
import { ZoneClock } from './zone-clock.ts';

export interface SlotContext {
  ownerId: string;
  settings: BookingSettings;
  service: BookableService;
  /** Who can take this service (the business itself when the owner has no staff), in the owner's order. */
  schedules: Schedule[];
}

export interface SlotFinderDeps {
  db: Knex;
  settings: BookingSettingsStore;
  externalBusy?: ExternalBusySource;
  now: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface Snapshot {
  settings: BookingSettings | null;
  service: (Omit<BookableService, 'price'> & { price: number | string | null; deleted: boolean }) | null;
  staff: Pick<StaffMember, 'id' | 'hours' | 'exceptions' | 'active'>[];
}

// Settings, the service with its staff, and the owner's staff in one statement: availability is asked
// for on every step of a booking conversation, and on PGlite each statement costs more than its work.
const SNAPSHOT_SQL = `
  select
    (select json_build_object('timezone', o.timezone, 'slot_minutes', s.slot_minutes,
              'min_notice_minutes', s.min_notice_minutes, 'horizon_days', s.horizon_days, 'hours', s.hours,
              'exceptions', s.exceptions, 'reminder_minutes', s.reminder_minutes)
       from booking_settings s join owners o on o.id = s.owner_id where s.owner_id = ?) as settings,
    (select json_build_object('id', v.id, 'name', v.name, 'duration_minutes', v.duration_minutes, 'price', v.price,
              'buffer_minutes', v.buffer_minutes, 'deleted', v.deleted_at is not null,
              'staff_ids', coalesce((select json_agg(l.staff_id order by l.staff_id)
                                       from booking_service_staff l where l.service_id = v.id), '[]'::json))
       from booking_services v where v.owner_id = ? and v.id = ?) as service,
    (select coalesce(json_agg(json_build_object('id', m.id, 'hours', m.hours, 'exceptions', m.exceptions,
              'active', m.active) order by m.created_at, m.id), '[]'::json)
       from booking_staff m where m.owner_id = ? and m.deleted_at is null) as staff`;

async function loadSnapshot(db: Knex, ownerId: string, serviceId: string): Promise<Snapshot> {
  const result = await preparedRaw(db, SNAPSHOT_SQL, [ownerId, ownerId, serviceId, ownerId]);
  const row = (result as unknown as { rows: Snapshot[] }).rows[0];
  return row ?? { settings: null, service: null, staff: [] };
}

export type SlotFinder = ReturnType<typeof createSlotFinder>;

export function createSlotFinder(deps: SlotFinderDeps) {
  const { db, now } = deps;

  /** The schedules that may take the service; a `staffId` that may not is refused (422). */
  async function context(
    ownerId: string,
    serviceId: string,
    staffId?: string | null,
    includeRemovedService = false,
  ): Promise<SlotContext> {
    const snapshot = await loadSnapshot(db, ownerId, serviceId);
    // Settings are made on first use; an owner who never opened them has none yet.
    const settings = snapshot.settings ?? (await deps.settings.get(ownerId));
    const { service, staff } = snapshot;
    if (!service || (service.deleted && !includeRemovedService)) throw new NotFoundError('Service not found');
    let schedules: Schedule[];
    if (staff.length === 0) schedules = [{ staffId: null }];
    else
      schedules = staff
        .filter((member) => member.active)
        .filter((member) => service.staff_ids.length === 0 || service.staff_ids.includes(member.id))
        .map((member) => ({ staffId: member.id, hours: member.hours ?? undefined, exceptions: member.exceptions }));
    if (staffId !== undefined && staffId !== null) {
      schedules = schedules.filter((schedule) => schedule.staffId === staffId);
      if (schedules.length === 0)
        throw new InvalidError('This staff member does not take this service', [
          { loc: ['staff_id'], msg: 'Not an active staff member who does this service', type: 'value_error' },
        ]);
    }
    return {
      ownerId,
      settings,
      service: {
        id: service.id,
        name: service.name,
        duration_minutes: service.duration_minutes,
        price: service.price === null ? null : Number(service.price),
        buffer_minutes: service.buffer_minutes,
        staff_ids: service.staff_ids,
      },
      schedules,
    };
  }

  /** Bookings and external busy time over [from, to), per schedule. */
  async function busyOver(ctx: SlotContext, from: Date, to: Date, except?: string): Promise<BusyBySchedule> {
    const busy = await bookedIntervals(db, ctx.ownerId, from, to, except);
    if (deps.externalBusy) {
      const external = deps.externalBusy;
      const lists = await Promise.all(
        ctx.schedules.map((schedule) => external(ctx.ownerId, schedule.staffId, from, to)),
      );
      ctx.schedules.forEach((schedule, i) => {
        const extra: Interval[] = (lists[i] ?? []).map((b) => ({ start: b.start.getTime(), end: b.end.getTime() }));
        busy.set(schedule.staffId, [...(busy.get(schedule.staffId) ?? []), ...extra]);
      });
    }
    return busy;
  }

  /** Today's local date and the last bookable one, in the business's timezone. */
  function window(ctx: SlotContext): { today: string; lastDate: string; earliest: number } {
    const at = now();
    const today = DateTime.fromJSDate(at, { zone: ctx.settings.timezone }).startOf('day');
    return {
      today: today.toISODate()!,
      lastDate: today.plus({ days: ctx.settings.horizon_days }).toISODate()!,
      earliest: at.getTime() + ctx.settings.min_notice_minutes * 60_000,
    };
  }

  /** Free slots on the local dates [fromDate, toDate], within notice and horizon. */
  async function slots(ctx: SlotContext, fromDate: string, toDate: string, except?: string): Promise<Slot[]> {
    const zone = ctx.settings.timezone;
    const { today, lastDate, earliest } = window(ctx);
    const first = fromDate < today ? today : fromDate;
    if (first > toDate || first > lastDate) return [];
    // A day either side: buffers and external events reach across midnight.
    const from = new Date(DateTime.fromISO(first, { zone }).toMillis() - DAY_MS);
    const to = new Date(DateTime.fromISO(toDate, { zone }).plus({ days: 2 }).toMillis());
    const busy = await busyOver(ctx, from, to, except);
    return freeSlots(ctx.schedules, ctx.settings, busy, {
      zone,
      fromDate: first,
      toDate,
      slotMinutes: ctx.settings.slot_minutes,
      durationMinutes: ctx.service.duration_minutes,
      bufferMinutes: ctx.service.buffer_minutes,
      earliest,
      lastDate,
    });
  }

  /** The first `count` free start times from now (any schedule), searched a week at a time over the horizon. */
  async function nearest(ctx: SlotContext, count: number, after?: Date): Promise<Slot[]> {
    const zone = ctx.settings.timezone;
    const { today, lastDate } = window(ctx);
    const found: Slot[] = [];
    const seen = new Set<number>();
    let day = DateTime.fromJSDate(after ?? now(), { zone }).toISODate()!;
    if (day < today) day = today;
    while (day <= lastDate && found.length < count) {
      const end = DateTime.fromISO(day, { zone }).plus({ days: 6 }).toISODate()!;
      for (const slot of await slots(ctx, day, end)) {
        if (after && slot.start < after.getTime()) continue;
        if (seen.has(slot.start)) continue;
        seen.add(slot.start);
        found.push(slot);
        if (found.length === count) break;
      }
      day = DateTime.fromISO(end, { zone }).plus({ days: 1 }).toISODate()!;
    }
    return found;
  }

  /** Free start times closest to `around` (before or after it), one per time, in time order. */
  async function closestTo(ctx: SlotContext, around: Date, count: number, except?: string): Promise<Slot[]> {
    const zone = ctx.settings.timezone;
    const local = DateTime.fromJSDate(around, { zone });
    const candidates = await slots(
      ctx,
      local.minus({ days: 1 }).toISODate()!,
      local.plus({ days: 7 }).toISODate()!,
      except,
    );
    const byTime = new Map<number, Slot>();
    for (const slot of candidates) if (!byTime.has(slot.start)) byTime.set(slot.start, slot);
    return [...byTime.values()]
      .sort((a, b) => Math.abs(a.start - around.getTime()) - Math.abs(b.start - around.getTime()) || a.start - b.start)
      .slice(0, count)
      .sort((a, b) => a.start - b.start);
  }

  /** Whether the time [from, to) of a schedule overlaps external busy time (bookings are the database's job). */
  async function externallyBusy(ctx: SlotContext, staffId: string | null, from: Date, to: Date): Promise<boolean> {
    if (!deps.externalBusy) return false;
    const busy = await deps.externalBusy(ctx.ownerId, staffId, from, to);
    return busy.some((b) => b.start < to && b.end > from);
  }

  return { context, slots, nearest, closestTo, externallyBusy };
}

/** An instant as ISO 8601 in the business's timezone ("2026-10-25T10:00:00+01:00"). */
export function isoIn(ms: number, zone: string): string {
  return new ZoneClock(zone).iso(ms);
}

export interface SlotView {
  start: string;
  end: string;
  staff_id?: string;
}

/** Slots as the API shows them; one clock for the list, so offsets are looked up once per quarter hour. */
export function slotViews(slots: readonly Slot[], zone: string): SlotView[] {
  const clock = new ZoneClock(zone);
  return slots.map((slot) => ({
    start: clock.iso(slot.start),
    end: clock.iso(slot.end),
    ...(slot.staffId ? { staff_id: slot.staffId } : {}),
  }));
}
