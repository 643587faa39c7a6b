// A salon's knowledge is often one short price list: one chunk, where every word the index holds is
// in every chunk. Small talk around a question must not push the right passage under the relevance floor.
import { expect } from 'chai';
import { indexedSuite } from '../../support/indexed-owner.ts';

const PRICE_LIST = [
  'Service: Gel manicure; Price: 1,200 RUB; Duration: 75 min',
  'Service: Eyebrow shaping; Price: 700 UAH; Duration: 30 min',
  "Service: Haircut, men's; Price: 800 RUB; Duration: 40 min",
].join('\n');

describe('core/knowledge search in a one-chunk price list', () => {
  const { found, search } = indexedSuite([PRICE_LIST], { fileName: 'services.csv' });

  it('finds the price list for a question with words the index does not hold around it', async () => {
    expect(await found("How much is a men's haircut?")).to.deep.equal([PRICE_LIST]);
    expect(await found("How much is a men's haircut, mate?")).to.deep.equal([PRICE_LIST]);
    expect(await found("How much is a men's haircut for my son Tom?")).to.deep.equal([PRICE_LIST]);
  });

  it('finds it when an unknown long word would only be guessed by its prefixes', async () => {
    // "Konstantinopolsky" is long enough for prefix guesses, which match nothing here.
    expect(await found('Do you do eyebrow shaping? Regards, Konstantinopolsky')).to.deep.equal([PRICE_LIST]);
  });

  it('marks a price list found only by asking a price, for a service the files never name', async () => {
    const tattoo = await search('What is the price of a tattoo?');
    expect(tattoo.map((hit) => hit.text)).to.deep.equal([PRICE_LIST]);
    expect(tattoo[0]!.priceOnly).to.equal(true);
    for (const question of ["How much is a men's haircut for my son Tom?", 'What is the price?']) {
      expect((await search(question))[0]!.priceOnly, question).to.equal(false);
    }
  });

  it('still finds nothing for a question with none of its words', async () => {
    expect(await found("What's the weather in Paris?")).to.deep.equal([]);
    expect(await found('Do you do tattoos?')).to.deep.equal([]);
  });
});

describe("core/knowledge search in a salon's few chunks", () => {
  const PRICES =
    'Service: Eyebrow shaping; Price: 700 UAH; Duration: 30 min\nService: Gel manicure; Price: 1,200 RUB; Duration: 75 min';
  const ADDRESS = 'We are at 12 Zanzibar Street, second floor. Entrance from the yard.';
  const PARKING = 'Parking: free parking for clients behind the building.';
  const { found } = indexedSuite([PRICES, ADDRESS, PARKING]);

  it("finds the price list when an unknown word's prefix guess matches another passage", async () => {
    // "Zanzibarova" is guessed as "zanzibar…", which the address holds; "Parkinsons" as "parkin…".
    expect(await found('How much is eyebrow shaping? Regards, Zanzibarova')).to.deep.equal([PRICES, ADDRESS]);
    expect(await found('How much is eyebrow shaping? Regards, Parkinsons')).to.include(PRICES);
  });

  it('finds both passages of a question about two things', async () => {
    expect(await found('Eyebrow shaping, is there parking?')).to.have.members([PRICES, PARKING]);
  });

  it('still finds nothing for a question with none of its words', async () => {
    expect(await found('Do you do tattoos?')).to.deep.equal([]);
  });
});

describe("core/knowledge search: a word's own form ranks above its synonyms", () => {
  const RU_HOURS =
    'Часы работы: понедельник – пятница с 9:00 до 21:00, суббота с 10:00 до 18:00, воскресенье выходной.';
  const UK_HOURS = "Графік роботи: понеділок – п'ятниця з 9:00 до 20:00, субота з 10:00 до 17:00, неділя вихідний.";
  const PAYMENT = 'Оплата: наличные или карта.';
  const CANCELLATION = 'Отмена записи бесплатна, если предупредить за сутки.';
  const { found } = indexedSuite([RU_HOURS, UK_HOURS, PAYMENT, CANCELLATION]);

  it("finds the other language through the synonym, but ranks the question's own language first", async () => {
    // "субботу" is the Russian hours' own word; the Ukrainian "субота" only a synonym.
    expect(await found('Во сколько вы открываетесь в субботу?')).to.deep.equal([RU_HOURS, UK_HOURS]);
    expect(await found('What time do you close on Saturday?')).to.include.members([RU_HOURS, UK_HOURS]);
  });

  it('ranks the passage naming what is asked above one reached only through a synonym', async () => {
    // "оплачивать" reaches the payment passage only as a synonym of "оплата"; "отмену" is the cancellation's own word.
    expect((await found('Надо ли оплачивать отмену?'))[0]).to.equal(CANCELLATION);
  });
});
