// The relevance floor keeps a partly matching passage from answering a question it does not answer.
import { expect } from 'chai';
import { indexedSuite } from '../../support/indexed-owner.ts';

describe('core/knowledge relevance floor and normalisation', () => {
  const rows = [
    'Услуга: Маникюр с покрытием; Цена: 1500 руб',
    'Услуга: Маникюр классический; Цена: 900 руб',
    'Услуга: Педикюр; Цена: 2000 руб',
    'Услуга: Наращивание ресниц; Цена: 2500 руб',
    'Психотерапи́я и массаж лица — по записи, ещё можно оплатить картой',
  ];
  const { search } = indexedSuite(rows, { fileName: 'prices.csv' });

  it('finds the row for a service it has', async () => {
    const hits = await search('Сколько стоит педикюр?');
    expect(hits[0]!.text).to.include('Педикюр');
  });

  it('does not answer a price question about a service the owner does not offer with other prices', async () => {
    expect(await search('Сколько стоит стрижка?')).to.deep.equal([]);
    expect(await search('Делаете ли вы татуировки?')).to.deep.equal([]);
  });

  it('matches words written with stress marks or ё either way', async () => {
    expect((await search('Что такое психотерапия?'))[0]!.text).to.include('Психотерапи');
    expect((await search('можно ещё картой?'))[0]!.text).to.include('картой');
    expect((await search('можно еще картой?'))[0]!.text).to.include('картой');
  });

  it('joins word forms the stemmer does not (stem prefixes)', async () => {
    const hits = await search('наращиванием ресничек');
    expect(hits[0]!.text).to.include('Наращивание ресниц');
  });

  it("finds a service the customer misspelled, from the words of the owner's own index", async () => {
    expect((await search('Сколько стоит педекюр?'))[0]!.text).to.include('Педикюр');
    expect((await search('маникур с покрытием'))[0]!.text).to.include('Маникюр с покрытием');
    expect((await search('наращевание ресниц'))[0]!.text).to.include('Наращивание ресниц');
  });

  it('corrects only words it does not know, of five letters or more, and never into an unrelated service', async () => {
    // "стрижка" and "пилинг" are no misspelling of anything the owner offers; "лицо" is too short to guess.
    expect(await search('Сколько стоит стрижка?')).to.deep.equal([]);
    expect(await search('Сколько стоит пилинг?')).to.deep.equal([]);
    expect(await search('Сколько стоит лиса?')).to.deep.equal([]); // one letter from "лица"
  });
});
