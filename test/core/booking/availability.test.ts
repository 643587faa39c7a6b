import { expect } from 'chai';
import { DateTime } from 'luxon';
import { freeSlots, mergeIntervals, type BusyBySchedule, type SlotRules } from '../../../core/booking/availability.ts';
import { isoIn } from '../../../core/booking/slot-finder.ts';
import {
  DEFAULT_HOURS,
  dateExceptionsSchema,
  weeklyHoursSchema,
  type BusinessHours,
  type WeeklyHours,
} from '../../../core/booking/working-hours.ts';

const BERLIN = 'Europe/Berlin';
const everyDay = (ranges: [string, string][]): WeeklyHours => ({
  mon: ranges,
  tue: ranges,
  wed: ranges,
  thu: ranges,
  fri: ranges,
  sat: ranges,
  sun: ranges,
});
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();

function rules(overrides: Partial<SlotRules>): SlotRules {
  return {
    zone: BERLIN,
    fromDate: '2026-10-25',
    toDate: '2026-10-25',
    slotMinutes: 60,
    durationMinutes: 60,
    bufferMinutes: 0,
    earliest: 0,
    lastDate: '2099-12-31',
    ...overrides,
  };
}

function starts(business: BusinessHours, busy: BusyBySchedule, r: SlotRules, zone = BERLIN): string[] {
  return freeSlots([{ staffId: null }], business, busy, r).map((slot) => isoIn(slot.start, zone));
}

describe('core/booking/availability', () => {
  const tenToEight: BusinessHours = { hours: everyDay([['10:00', '20:00']]), exceptions: {} };

  it('a 10:00–20:00 day on the autumn DST change (Berlin, 2026-10-25) has its ten local slots at +01:00', () => {
    const day = starts(tenToEight, new Map(), rules({}));
    expect(day).to.have.length(10);
    expect(day[0]).to.equal('2026-10-25T10:00:00+01:00');
    expect(day.at(-1)).to.equal('2026-10-25T19:00:00+01:00');
    const before = starts(tenToEight, new Map(), rules({ fromDate: '2026-10-24', toDate: '2026-10-24' }));
    expect(before[0]).to.equal('2026-10-24T10:00:00+02:00');
    expect(before).to.have.length(10);
  });

  it('a 10:00–20:00 day on the spring DST change (Berlin, 2026-03-29) has its ten local slots at +02:00', () => {
    const day = starts(tenToEight, new Map(), rules({ fromDate: '2026-03-28', toDate: '2026-03-29' }));
    expect(day).to.have.length(20);
    expect(day[0]).to.equal('2026-03-28T10:00:00+01:00');
    expect(day[10]).to.equal('2026-03-29T10:00:00+02:00');
    expect(day.at(-1)).to.equal('2026-03-29T19:00:00+02:00');
    // Each slot is one real hour long, and each starts on the hour of local time.
    const slots = freeSlots(
      [{ staffId: null }],
      tenToEight,
      new Map(),
      rules({ fromDate: '2026-03-29', toDate: '2026-03-29' }),
    );
    expect(slots.every((slot) => slot.end - slot.start === 3_600_000)).to.equal(true);
  });

  it('a night range across the autumn change holds its extra hour; one across the spring change loses one', () => {
    const night: BusinessHours = { hours: everyDay([['00:00', '06:00']]), exceptions: {} };
    expect(starts(night, new Map(), rules({}))).to.have.length(7); // 25-hour day: 02:00 happens twice
    expect(starts(night, new Map(), rules({ fromDate: '2026-03-29', toDate: '2026-03-29' }))).to.have.length(5);
  });

  it('breaks, days off and dated exceptions shape the day', () => {
    const business: BusinessHours = {
      hours: {
        ...DEFAULT_HOURS,
        mon: [
          ['10:00', '13:00'],
          ['14:00', '16:00'],
        ],
      },
      exceptions: { '2026-12-08': [], '2026-12-09': [['12:00', '14:00']] },
    };
    const r = rules({ zone: 'Europe/Kyiv', fromDate: '2026-12-05', toDate: '2026-12-09' });
    expect(starts(business, new Map(), r, 'Europe/Kyiv')).to.deep.equal([
      // Sat 5 and Sun 6 are days off; Mon 7 has a lunch break; Tue 8 is closed; Wed 9 has special hours.
      '2026-12-07T10:00:00+02:00',
      '2026-12-07T11:00:00+02:00',
      '2026-12-07T12:00:00+02:00',
      '2026-12-07T14:00:00+02:00',
      '2026-12-07T15:00:00+02:00',
      '2026-12-09T12:00:00+02:00',
      '2026-12-09T13:00:00+02:00',
    ]);
  });

  it('a booking with its buffer takes every slot it overlaps, and a new service’s buffer must be free too', () => {
    const busy: BusyBySchedule = new Map([
      [null, [{ start: at('2026-10-25T12:00:00+01:00'), end: at('2026-10-25T13:15:00+01:00') }]],
    ]);
    const free = starts(
      tenToEight,
      busy,
      rules({ slotMinutes: 30, durationMinutes: 60, bufferMinutes: 15, fromDate: '2026-10-25' }),
    );
    // 11:00 would end 12:00 but its buffer runs to 12:15; 12:00–13:00 overlap the booking; 13:30 is the next free start.
    expect(free).to.include('2026-10-25T10:30:00+01:00');
    expect(free).to.not.include('2026-10-25T11:00:00+01:00');
    expect(free).to.not.include('2026-10-25T12:30:00+01:00');
    expect(free).to.not.include('2026-10-25T13:00:00+01:00');
    expect(free).to.include('2026-10-25T13:30:00+01:00');
    // The buffer may run past closing: 19:00–20:00 plus 15 minutes is still offered.
    expect(free.at(-1)).to.equal('2026-10-25T19:00:00+01:00');
  });

  it('minimum notice and the horizon bound the slots', () => {
    const free = starts(
      tenToEight,
      new Map(),
      rules({
        fromDate: '2026-10-24',
        toDate: '2026-10-26',
        earliest: at('2026-10-24T17:30:00+02:00'),
        lastDate: '2026-10-25',
      }),
    );
    expect(free[0]).to.equal('2026-10-24T18:00:00+02:00');
    expect(free.at(-1)).to.equal('2026-10-25T19:00:00+01:00');
    expect(free).to.have.length(12);
  });

  it('staff have their own hours and bookings; busy time under the business bounds every staff member', () => {
    const business: BusinessHours = {
      hours: everyDay([['10:00', '12:00']]),
      exceptions: { '2026-10-26': [['11:00', '12:00']] },
    };
    const busy: BusyBySchedule = new Map([
      ['anna', [{ start: at('2026-10-25T10:00:00+01:00'), end: at('2026-10-25T11:00:00+01:00') }]],
      [null, [{ start: at('2026-10-25T15:00:00+01:00'), end: at('2026-10-25T16:00:00+01:00') }]],
    ]);
    const slots = freeSlots(
      [{ staffId: 'anna' }, { staffId: 'olga', hours: everyDay([['14:00', '17:00']]) }],
      business,
      busy,
      rules({ fromDate: '2026-10-25', toDate: '2026-10-26' }),
    ).map((slot) => `${slot.staffId} ${isoIn(slot.start, BERLIN).slice(5, 16)}`);
    expect(slots).to.deep.equal([
      'anna 10-25T11:00',
      'olga 10-25T14:00',
      'olga 10-25T16:00',
      // The business's short day (11:00–12:00) also bounds Olga's own 14:00–17:00 to nothing.
      'anna 10-26T11:00',
    ]);
  });

  it('merges overlapping busy intervals', () => {
    expect(
      mergeIntervals([
        { start: 5, end: 8 },
        { start: 1, end: 3 },
        { start: 2, end: 5 },
        { start: 10, end: 11 },
      ]),
    ).to.deep.equal([
      { start: 1, end: 8 },
      { start: 10, end: 11 },
    ]);
  });

  it('refuses hours that overlap, run backwards or are not times, and dates that do not exist', () => {
    expect(weeklyHoursSchema.safeParse(everyDay([['10:00', '20:00']])).success).to.equal(true);
    expect(weeklyHoursSchema.safeParse(everyDay([['10:00', '24:00']])).success).to.equal(true);
    expect(weeklyHoursSchema.safeParse(everyDay([['20:00', '10:00']])).success).to.equal(false);
    expect(
      weeklyHoursSchema.safeParse(
        everyDay([
          ['10:00', '14:00'],
          ['13:00', '18:00'],
        ]),
      ).success,
    ).to.equal(false);
    expect(weeklyHoursSchema.safeParse(everyDay([['9:00', '18:00']])).success).to.equal(false);
    expect(weeklyHoursSchema.safeParse({ ...everyDay([]), mon: undefined }).success).to.equal(false);
    expect(dateExceptionsSchema.safeParse({ '2026-02-30': [] }).success).to.equal(false);
    expect(dateExceptionsSchema.safeParse({ '2026-02-28': [] }).success).to.equal(true);
  });
});
