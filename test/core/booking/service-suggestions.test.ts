import { expect } from 'chai';
import { parseDuration, parsePrice, suggestionFromRow } from '../../../core/booking/service-suggestions.ts';

describe('core/booking/service-suggestions: price-list rows as services to confirm', () => {
  it('reads prices as price lists write them', () => {
    expect(parsePrice('1,200 RUB')).to.equal(1200);
    expect(parsePrice('3 500 RUB')).to.equal(3500);
    expect(parsePrice('1\u00a0200 ₽')).to.equal(1200);
    expect(parsePrice('от 1500 руб.')).to.equal(1500);
    expect(parsePrice('1500–2000')).to.equal(1500);
    expect(parsePrice('12,50 €')).to.equal(12.5);
    expect(parsePrice('1.234,56')).to.equal(1234.56);
    expect(parsePrice('по договорённости')).to.equal(undefined);
  });

  it('reads durations in minutes, hours or clock form, with the unit in the value or the header', () => {
    expect(parseDuration('75 min')).to.equal(75);
    expect(parseDuration('90', 'Длительность, мин')).to.equal(90);
    expect(parseDuration('1 ч 30 мин')).to.equal(90);
    expect(parseDuration('1,5 год')).to.equal(90);
    expect(parseDuration('2', 'Duration, hours')).to.equal(120);
    expect(parseDuration('1:30')).to.equal(90);
    expect(parseDuration('soon')).to.equal(undefined);
  });

  it('takes a row with a name and a price, in any of the languages; leaves other rows alone', () => {
    expect(suggestionFromRow('Услуга: Маникюр с покрытием; Цена, руб: 1500; Длительность, мин: 90')).to.deep.equal({
      name: 'Маникюр с покрытием',
      price: 1500,
      duration_minutes: 90,
    });
    expect(suggestionFromRow('Послуга: Корекція брів; Ціна, грн: 250; Тривалість, хв: 30')).to.deep.equal({
      name: 'Корекція брів',
      price: 250,
      duration_minutes: 30,
    });
    expect(suggestionFromRow("Service: Haircut, men's; Price: 800 RUB")).to.deep.equal({
      name: "Haircut, men's",
      price: 800,
    });
    expect(suggestionFromRow('Manicure; 1200')).to.deep.equal({ name: 'Manicure', price: 1200 });
    expect(suggestionFromRow('Мы работаем с 10:00 до 20:00 без выходных.')).to.equal(undefined);
    expect(suggestionFromRow('Услуга: Консультация; Цена: бесплатно')).to.equal(undefined);
    expect(suggestionFromRow('День: Понедельник; Часы: 10:00–20:00')).to.equal(undefined);
  });
});
