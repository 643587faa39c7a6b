// The answer quoted without a model: the sentences of the best passages that match the question.
import { expect } from 'chai';
import { bestSentences } from '../../../core/assistant/extractive-answer.ts';
import { indexedSuite } from '../../support/indexed-owner.ts';

const PEDICURE =
  'Аппаратный педикюр. Процедуру выполняют опытные мастера со стерильными инструментами, она длится около полутора часов и включает обработку стоп, пальцев и кутикулы, а также покрытие по желанию клиента. Мы используем только профессиональную косметику и одноразовые пилки. Стоимость полного ухода — 2000 руб.';
const CHUNKS = [
  PEDICURE,
  'Стрижка мужская — 900 руб.',
  'Маникюр с покрытием — 1500 руб.',
  'Окрашивание бровей — 500 руб.',
  'Часы работы: пн-пт 9:00-21:00, сб-вс 10:00-20:00.',
  'Адрес: ул. Ленина, 10, 2 этаж. Парковка во дворе.',
];

describe('core/assistant/extractive-answer', () => {
  const index = indexedSuite(CHUNKS);

  it("quotes the passage about the service asked for, not another service's price row", async () => {
    const question = 'Сколько стоит педикюр?';
    const hits = await index.search(question);
    expect(hits[0]!.text).to.equal(PEDICURE);
    // The price rows match "стоит" too, and are still found (a model would see them)…
    expect(hits.length).to.be.above(1);
    // …but only the pedicure passage is quoted.
    const quoted = (await bestSentences(index.knex, question, hits)).map((sentence) => sentence.text);
    expect(quoted).to.include('Стоимость полного ухода — 2000 руб.');
    expect(quoted.join(' ')).to.not.include('900');
  });
});
