// Working hours as the owner writes them (local "HH:MM" ranges per weekday, dated exceptions), and how
// they become absolute intervals on a given local date in the business's timezone, across DST changes.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { isoWeekday, type ZoneClock } from './zone-clock.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Local wall-clock times, "HH:MM"; "24:00" ends a range at midnight. */
export type TimeRange = [string, string];
export type WeeklyHours = Record<Weekday, TimeRange[]>;
/** Local date "YYYY-MM-DD" → that day's ranges instead of the weekday's ([] = closed). */
export type DateExceptions = Record<string, TimeRange[]>;

/** Epoch milliseconds, start inclusive, end exclusive. */
export interface Interval {
  start: number;
  end: number;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

const rangeSchema = z
  .tuple([z.string().regex(TIME, 'Use HH:MM (00:00 to 24:00)'), z.string().regex(TIME, 'Use HH:MM (00:00 to 24:00)')])
  .refine(([from, to]) => minutesOf(from) < minutesOf(to), 'A range must end after it starts');

/** A day's ranges: in order and not overlapping (a break is the gap between two ranges). */
const dayRangesSchema = z
  .array(rangeSchema)
  .max(12)
  .refine(
    (ranges) => ranges.every((range, i) => i === 0 || minutesOf(ranges[i - 1]![1]) <= minutesOf(range[0])),
    'Ranges must be in order and must not overlap',
  );

export const weeklyHoursSchema = z.object(
  Object.fromEntries(WEEKDAYS.map((day) => [day, dayRangesSchema])) as Record<Weekday, typeof dayRangesSchema>,
);

export const dateExceptionsSchema = z
  .record(
    z
      .string()
      .regex(DATE, 'Use YYYY-MM-DD')
      .refine((date) => DateTime.fromISO(date).isValid, 'Not a calendar date'),
    dayRangesSchema,
  )
  .refine((map) => Object.keys(map).length <= 400, 'At most 400 dated exceptions');

export const DEFAULT_HOURS: WeeklyHours = {
  mon: [['09:00', '18:00']],
  tue: [['09:00', '18:00']],
  wed: [['09:00', '18:00']],
  thu: [['09:00', '18:00']],
  fri: [['09:00', '18:00']],
  sat: [],
  sun: [],
};

/** Whom a schedule belongs to: a staff member, or the business itself (null) when it has no staff. */
export interface Schedule {
  staffId: string | null;
  /** The staff member's own week; undefined: the business's. */
  hours?: WeeklyHours;
  exceptions?: DateExceptions;
}

export interface BusinessHours {
  hours: WeeklyHours;
  exceptions: DateExceptions;
}

/**
 * A schedule's local ranges on a date ("YYYY-MM-DD"): its own exception for the date, else its own week
 * (or the business's). A business exception (a holiday, a short day) also bounds every staff member's day.
 */
export function rangesOn(date: string, schedule: Schedule, business: BusinessHours): TimeRange[] {
  const weekday = WEEKDAYS[isoWeekday(date) - 1]!;
  const businessException = business.exceptions[date];
  if (schedule.staffId === null) return businessException ?? business.hours[weekday];
  const own = schedule.exceptions?.[date] ?? (schedule.hours ?? business.hours)[weekday];
  return businessException === undefined ? own : intersectRanges(own, businessException);
}

function intersectRanges(a: TimeRange[], b: TimeRange[]): TimeRange[] {
  const result: TimeRange[] = [];
  for (const [aFrom, aTo] of a) {
    for (const [bFrom, bTo] of b) {
      const from = Math.max(minutesOf(aFrom), minutesOf(bFrom));
      const to = Math.min(minutesOf(aTo), minutesOf(bTo));
      if (from < to) result.push([clock(from), clock(to)]);
    }
  }
  return result.sort((x, y) => minutesOf(x[0]) - minutesOf(y[0]));
}

const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * The ranges of a local date as instants. Each end is the local wall-clock time on that date, so a
 * 10:00–20:00 day is ten hours of local time on any day, DST change or not; a time skipped by a
 * spring-forward change moves forward by the gap (02:30 on 2026-03-29 in Berlin is 03:30 +02:00) and
 * "24:00" is the next day's midnight.
 */
export function intervalsOn(zone: ZoneClock, date: string, ranges: TimeRange[]): Interval[] {
  return ranges
    .map(([from, to]) => ({ start: zone.instant(date, minutesOf(from)), end: zone.instant(date, minutesOf(to)) }))
    .filter((interval) => interval.end > interval.start);
}
