// Reads a day and a time from what a customer types ("завтра в 15:00", "tomorrow at 3pm", "в пятницу",
// "10.12 о 14:30") with chrono-node's Russian, Ukrainian and English parsers, relative to today in the
// business's timezone. Only what the customer said for certain counts: "on Friday" is a day without a
// time, "at 15:00" a time without a day.
import * as en from 'chrono-node/en';
import * as ru from 'chrono-node/ru';
import * as uk from 'chrono-node/uk';
import { DateTime } from 'luxon';

export interface When {
  /** A local date in the business's timezone, YYYY-MM-DD. */
  date?: string;
  /** Minutes after local midnight. */
  minutes?: number;
}

interface Parser {
  parse: typeof en.parse;
}

const PARSERS: Record<string, Parser> = { en, ru, uk };

/** Before this hour without am/pm, a business means the afternoon ("at 3" is 15:00). */
const EARLIEST_MORNING_HOUR = 8;

/** Words before a time ("в 15.30", "о 9.00", "at 3.30"): then a dotted number is a time, not a date. */
const TIME_PREPOSITION = /(?:^|\s)(?:в|во|о|об|at)\s+$/iu;

function normalise(text: string, language: string): string {
  const out = text.replace(/[’ʼ`]/g, "'");
  if (language === 'en') return out;
  // Russian and Ukrainian write "10.12" for a date (day.month), which their parsers read written "10/12",
  // and "15.30" for a time, which they read written "15:30".
  return out.replace(
    /\b(\d{1,2})\.(\d{1,2})(\.\d{2,4})?\b(?![:.]\d)/g,
    (whole, first: string, second: string, year: string | undefined, offset: number) => {
      const time = !year && Number(first) <= 23 && Number(second) <= 59 && second.length === 2;
      if (time && (TIME_PREPOSITION.test(out.slice(0, offset)) || Number(second) > 12)) return `${first}:${second}`;
      return Number(second) <= 12 ? `${first}/${second}${year ?? ''}` : whole;
    },
  );
}

export function parseWhen(text: string, options: { language: string; zone: string; now: Date }): When {
  const local = DateTime.fromJSDate(options.now, { zone: options.zone });
  // chrono works in the process's own timezone: the reference carries the business's wall-clock time,
  // and the components it returns are read back as that wall clock.
  const reference = new Date(local.year, local.month - 1, local.day, local.hour, local.minute);
  const order = [options.language, ...Object.keys(PARSERS).filter((code) => code !== options.language)];
  for (const code of order) {
    const parser = PARSERS[code];
    if (!parser) continue;
    const results = parser.parse(normalise(text, code), reference, { forwardDate: true });
    if (results.length === 0) continue;
    const found: When = {};
    for (const result of results) {
      const start = result.start;
      if (found.date === undefined && (start.isCertain('day') || start.isCertain('weekday'))) {
        const date = DateTime.fromObject(
          { year: start.get('year') ?? local.year, month: start.get('month') ?? 1, day: start.get('day') ?? 1 },
          { zone: options.zone },
        );
        found.date = date.toISODate() ?? undefined;
      }
      if (found.minutes === undefined && start.isCertain('hour')) {
        let hour = start.get('hour') ?? 0;
        if (!start.isCertain('meridiem') && hour > 0 && hour < EARLIEST_MORNING_HOUR) hour += 12;
        found.minutes = hour * 60 + (start.get('minute') ?? 0);
      }
    }
    if (found.date !== undefined || found.minutes !== undefined) return found;
  }
  return {};
}
