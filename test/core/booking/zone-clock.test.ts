import { expect } from 'chai';
import { DateTime } from 'luxon';
import { isoWeekday, nextDate, ZoneClock } from '../../../core/booking/zone-clock.ts';

describe('core/booking/zone-clock: local times ↔ instants, as luxon computes them', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC'];
  const dates = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01', '2026-12-07'];

  it('agrees with luxon on every quarter hour of days with DST changes, in zones with odd offsets', () => {
    for (const zone of zones) {
      const clock = new ZoneClock(zone);
      for (const date of dates) {
        for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
          const expected = DateTime.fromISO(date, { zone })
            .set({ hour: Math.floor(minutes / 60), minute: minutes % 60 })
            .toMillis();
          const ms = clock.instant(date, minutes);
          const wall = (at: number) => DateTime.fromMillis(at, { zone }).toFormat('yyyy-MM-dd HH:mm');
          // A time that happens twice (autumn) is its first occurrence; luxon's pick depends on the season it runs in.
          const twice = wall(expected) === wall(expected - 3_600_000) || wall(expected) === wall(expected + 3_600_000);
          if (twice) {
            expect(wall(ms)).to.equal(wall(expected));
            expect(wall(ms - 3_600_000), `${zone} ${date} +${minutes} min is the first of the two`).to.not.equal(
              wall(ms),
            );
          } else expect(ms, `${zone} ${date} +${minutes} min`).to.equal(expected);
          // Always an offset, "+00:00" in UTC too, where luxon writes "Z".
          const iso = DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!.replace(/Z$/, '+00:00');
          expect(clock.iso(ms)).to.equal(iso);
          expect(clock.dateOf(ms)).to.equal(DateTime.fromMillis(ms, { zone }).toISODate());
        }
      }
    }
  });

  it('counts calendar days and weekdays', () => {
    expect(nextDate('2026-12-31')).to.equal('2027-01-01');
    expect(nextDate('2028-02-28')).to.equal('2028-02-29');
    expect(isoWeekday('2026-12-07')).to.equal(1);
    expect(isoWeekday('2026-12-13')).to.equal(7);
  });
});
