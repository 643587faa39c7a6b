// Local wall-clock times of one IANA zone ↔ instants, fast enough for thousands of slots per request.
// luxon's IANAZone gives the UTC offset at an instant (through Intl, microseconds each); offsets are
// remembered per UTC day, and on a day with a change per quarter hour (every zone changes offset on a
// quarter-hour boundary).
// The conversion of a local time follows luxon's own rule: a time skipped by a spring-forward change
// moves forward by the gap, and a time that happens twice in autumn is its first occurrence.
import { IANAZone } from 'luxon';

const QUARTER_HOUR_MS = 15 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
const BRACKET_MS = 36 * 60 * 60_000;

export class ZoneClock {
  private readonly zone: IANAZone;
  private readonly offsets = new Map<number, number>();
  /** UTC day → the offset all day long, or null on a day with a change. */
  private readonly dayOffsets = new Map<number, number | null>();

  constructor(readonly name: string) {
    this.zone = IANAZone.create(name);
  }

  /** The zone's UTC offset in minutes at an instant. */
  offset(ms: number): number {
    const day = Math.floor(ms / DAY_MS);
    let whole = this.dayOffsets.get(day);
    if (whole === undefined) {
      // One offset from the day's first to its last quarter hour: the day has no change (no zone changes
      // and changes back within a day). Otherwise that day is looked up per quarter hour.
      const first = this.zone.offset(day * DAY_MS);
      whole = first === this.zone.offset((day + 1) * DAY_MS - QUARTER_HOUR_MS) ? first : null;
      this.dayOffsets.set(day, whole);
    }
    if (whole !== null) return whole;
    const bucket = Math.floor(ms / QUARTER_HOUR_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      offset = this.zone.offset(bucket * QUARTER_HOUR_MS);
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  /** The instant of a local date ("YYYY-MM-DD") at `minutes` past its midnight (1440: the next midnight). */
  instant(date: string, minutes: number): number {
    const local = Date.parse(`${date}T00:00:00Z`) + minutes * 60_000;
    // The offsets in force before and after the instants this wall-clock time can be (offsets run from
    // -12 to +14 hours): 36 hours either side brackets them, and no zone changes offset twice in 72 hours.
    const early = this.offset(local - BRACKET_MS);
    const late = this.offset(local + BRACKET_MS);
    const candidates = [early, late]
      .map((offset) => local - offset * 60_000)
      .filter((instant, i) => this.offset(instant) === (i === 0 ? early : late));
    if (candidates.length > 0) return Math.min(...candidates);
    // In a spring-forward gap: forward by the gap, as luxon does (02:30 becomes 03:30).
    return local - Math.min(early, late) * 60_000;
  }

  /** The local date ("YYYY-MM-DD") an instant falls on. */
  dateOf(ms: number): string {
    return new Date(ms + this.offset(ms) * 60_000).toISOString().slice(0, 10);
  }

  /** ISO 8601 with the zone's offset at that instant, to the second: "2026-10-25T10:00:00+01:00". */
  iso(ms: number): string {
    const offset = this.offset(ms);
    const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }
}

/** The local date after `date` ("YYYY-MM-DD"), calendar arithmetic only. */
export function nextDate(date: string, days = 1): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 1 = Monday … 7 = Sunday, as luxon counts. */
export function isoWeekday(date: string): number {
  const day = new Date(Date.parse(`${date}T00:00:00Z`)).getUTCDay();
  return day === 0 ? 7 : day;
}
