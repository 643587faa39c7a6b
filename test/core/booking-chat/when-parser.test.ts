// Days and times as customers type them, in Russian, Ukrainian and English, relative to today in the
// business's timezone (here Monday, December 7, 2026, 09:00 in Berlin).
import { expect } from 'chai';
import { parseWhen } from '../../../core/booking-chat/when-parser.ts';
import { intentOf, saysSkip, saysStop, saysYes } from '../../../core/booking-chat/chat-words.ts';

const NOW = new Date('2026-12-07T08:00:00Z');
const when = (text: string, language: string, zone = 'Europe/Berlin') => parseWhen(text, { language, zone, now: NOW });

describe('booking chat: typed days and times', () => {
  it('reads a day and a time said together', () => {
    expect(when('завтра в 15:00', 'ru')).to.deep.equal({ date: '2026-12-08', minutes: 900 });
    expect(when('tomorrow at 3pm', 'en')).to.deep.equal({ date: '2026-12-08', minutes: 900 });
    expect(when('у п’ятницю о 11:00', 'uk')).to.deep.equal({ date: '2026-12-11', minutes: 660 });
    expect(when('Записаться на стрижку послезавтра в 12', 'ru')).to.deep.equal({ date: '2026-12-09', minutes: 720 });
  });

  it('reads a day alone and a time alone, and nothing from words that name neither', () => {
    expect(when('в пятницу', 'ru')).to.deep.equal({ date: '2026-12-11' });
    expect(when('в 14:30', 'ru')).to.deep.equal({ minutes: 870 });
    expect(when('Анна', 'ru')).to.deep.equal({});
    expect(when('+49 151 2345678', 'en')).to.deep.equal({});
  });

  it('reads day.month as a date and a dotted time after "в"/"о" as a time, as Russians and Ukrainians write them', () => {
    expect(when('10.12 в 14:30', 'ru')).to.deep.equal({ date: '2026-12-10', minutes: 870 });
    expect(when('завтра в 15.30', 'ru')).to.deep.equal({ date: '2026-12-08', minutes: 930 });
    expect(when('10.12 о 10.00', 'uk')).to.deep.equal({ date: '2026-12-10', minutes: 600 });
    // December 1 has passed: the next one.
    expect(when('1.12', 'ru')).to.deep.equal({ date: '2027-12-01' });
  });

  it('takes an hour before 8 without am/pm as the afternoon', () => {
    expect(when('at 3', 'en')).to.deep.equal({ minutes: 900 });
    expect(when('at 3am', 'en')).to.deep.equal({ minutes: 180 });
  });

  it('reads "today" and "tomorrow" in the business’s timezone, not the server’s', () => {
    // 05:00 UTC on December 8 is still the evening of December 7 in Los Angeles.
    const evening = new Date('2026-12-08T05:00:00Z');
    const zone = 'America/Los_Angeles';
    expect(parseWhen('tomorrow at 10am', { language: 'en', zone, now: evening })).to.deep.equal({
      date: '2026-12-08',
      minutes: 600,
    });
    expect(parseWhen('today', { language: 'en', zone, now: evening })).to.deep.equal({ date: '2026-12-07' });
  });
});

describe('booking chat: what a message asks', () => {
  it('knows requests to book, move and cancel in every language, and not longer questions or price questions', () => {
    expect(intentOf('Хочу записаться')).to.equal('book');
    expect(intentOf('Можна записатися на манікюр?')).to.equal('book');
    expect(intentOf('I need an appointment')).to.equal('book');
    expect(intentOf('/book')).to.equal('book');
    expect(intentOf('Отменить запись')).to.equal('cancel');
    expect(intentOf('Скасувати запис')).to.equal('cancel');
    expect(intentOf('Можно перенести?')).to.equal('move');
    expect(intentOf('Сколько стоит записаться на стрижку?')).to.equal(undefined);
    expect(
      intentOf('Скажите, пожалуйста, можно ли отменить запись бесплатно, если я заболею и не смогу прийти'),
    ).to.equal(undefined);
    expect(saysYes('Да')).to.equal(true);
    expect(saysSkip('skip')).to.equal(true);
    expect(saysStop('стоп')).to.equal(true);
    expect(saysYes('да, но в другой день')).to.equal(false);
  });
});
