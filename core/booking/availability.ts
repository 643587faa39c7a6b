// Free slots, computed in memory from what the caller loaded: working hours (per staff member, or the
// business's) minus breaks, days off and exceptions, minus busy time (bookings with their buffers, and
// any external calendar's busy intervals), minus the minimum notice and beyond the horizon, on a grid
// of slot_minutes from the start of each working range, in the business's timezone.
import { intervalsOn, rangesOn, type BusinessHours, type Interval, type Schedule } from './working-hours.ts';
import { nextDate, ZoneClock } from './zone-clock.ts';

export interface Slot {
  start: number;
  end: number;
  staffId: string | null;
}

export interface SlotRules {
  zone: string;
  /** Local dates, inclusive. */
  fromDate: string;
  toDate: string;
  slotMinutes: number;
  durationMinutes: number;
  /** Time after the service that must be free too (cleaning, preparation); it may run past closing. */
  bufferMinutes: number;
  /** No slot starts before this instant (now + minimum notice). */
  earliest: number;
  /** No slot starts on a local date after this one (today + horizon). */
  lastDate: string;
}

/**
 * Busy intervals per schedule (`staffId`, or null for the business); those under null also bound every
 * staff member (bookings made before the business had staff).
 */
export type BusyBySchedule = Map<string | null, Interval[]>;

/** Sorted by start, overlapping and touching intervals merged. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

/** Every free slot of every schedule, ordered by start, then by the schedules' order. */
export function freeSlots(
  schedules: readonly Schedule[],
  business: BusinessHours,
  busy: BusyBySchedule,
  rules: SlotRules,
): Slot[] {
  const zone = new ZoneClock(rules.zone);
  const last = rules.toDate < rules.lastDate ? rules.toDate : rules.lastDate;
  const stepMs = rules.slotMinutes * 60_000;
  const durationMs = rules.durationMinutes * 60_000;
  const blockedMs = durationMs + rules.bufferMinutes * 60_000;
  const shared = busy.get(null) ?? [];
  const slots: (Slot & { order: number })[] = [];
  schedules.forEach((schedule, order) => {
    const taken =
      schedule.staffId === null
        ? mergeIntervals(shared)
        : mergeIntervals([...shared, ...(busy.get(schedule.staffId) ?? [])]);
    let next = 0; // index of the first busy interval that may still overlap a candidate
    for (let day = rules.fromDate; day <= last; day = nextDate(day)) {
      for (const working of intervalsOn(zone, day, rangesOn(day, schedule, business))) {
        for (let start = working.start; start + durationMs <= working.end; start += stepMs) {
          if (start < rules.earliest) continue;
          while (next < taken.length && taken[next]!.end <= start) next += 1;
          const overlapping = next < taken.length && taken[next]!.start < start + blockedMs;
          if (!overlapping) slots.push({ start, end: start + durationMs, staffId: schedule.staffId, order });
        }
      }
    }
  });
  return slots
    .sort((a, b) => a.start - b.start || a.order - b.order)
    .map(({ start, end, staffId }) => ({ start, end, staffId }));
}
