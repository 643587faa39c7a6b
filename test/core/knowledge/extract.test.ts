// Every supported format extracts its fixture's distinctive fact through the one public entry point.
import { expect } from 'chai';
import { extractDocument } from '../../../core/knowledge/extract.ts';
import { allText, readFixture } from './helpers/fixtures.ts';

describe('extractDocument: one fixture per format', function () {
  this.timeout(15_000);

  it('reads a PDF with its headings (policies.pdf)', async () => {
    const doc = await extractDocument(readFixture('policies.pdf'), 'policies.pdf');
    expect(doc.type).to.equal('pdf');
    expect(allText(doc)).to.include('A deposit of 30% is required for bookings over 5000 RUB.');
    expect(allText(doc)).to.include('Гарантия на покрытие гель-лаком составляет 7 дней');
    expect(doc.blocks).to.deep.include({ kind: 'heading', level: 2, text: 'Cancellation policy' });
    expect(doc.blocks[0]).to.deep.equal({ kind: 'heading', level: 1, text: 'Salon Lotus policies' });
  });

  it('reads a DOCX with Word heading levels and its table as rows (faq-ru.docx)', async () => {
    const doc = await extractDocument(readFixture('faq-ru.docx'), 'faq-ru.docx');
    expect(doc.type).to.equal('docx');
    expect(allText(doc)).to.include('Подарочный сертификат действует 12 месяцев');
    expect(doc.blocks).to.deep.include({ kind: 'heading', level: 1, text: 'Часто задаваемые вопросы' });
    expect(doc.blocks).to.deep.include({ kind: 'heading', level: 3, text: 'Подарочные сертификаты' });
    expect(doc.blocks).to.deep.include({ kind: 'row', text: 'Service: Lash lift; Price: 2100 RUB' });
  });

  it('reads a legacy DOC (faq-uk.doc)', async () => {
    const doc = await extractDocument(readFixture('faq-uk.doc'), 'faq-uk.doc');
    expect(doc.type).to.equal('doc');
    expect(doc.blocks).to.deep.include({
      kind: 'paragraph',
      text: 'Подарунковий сертифікат діє 6 місяців і може бути використаний на будь-яку послугу.',
    });
    expect(allText(doc)).to.include('Дитяча стрижка для дітей до 10 років коштує 350 грн.');
  });

  it('reads an XLSX as rows carrying header names and sheet names (price-list.xlsx)', async () => {
    const doc = await extractDocument(readFixture('price-list.xlsx'), 'price-list.xlsx');
    expect(doc.type).to.equal('xlsx');
    expect(doc.blocks).to.deep.include({
      kind: 'row',
      text: 'Услуга: Маникюр с покрытием; Цена, руб: 1500; Длительность, мин: 90',
      sheet: 'Прайс',
    });
    expect(doc.blocks).to.deep.include({
      kind: 'row',
      text: 'Послуга: Корекція брів; Ціна, грн: 250; Тривалість, хв: 30',
      sheet: 'Ціни',
    });
    expect(doc.blocks).to.have.length(8);
  });

  it('reads a legacy XLS the same way, in a worker thread (price-list.xls)', async () => {
    const xls = await extractDocument(readFixture('price-list.xls'), 'price-list.xls');
    const xlsx = await extractDocument(readFixture('price-list.xlsx'), 'price-list.xlsx');
    expect(xls.type).to.equal('xls');
    expect(xls.blocks).to.deep.equal(xlsx.blocks);
  });

  it('reads a CSV with quoted commas (services.csv)', async () => {
    const doc = await extractDocument(readFixture('services.csv'), 'services.csv');
    expect(doc.type).to.equal('csv');
    expect(doc.blocks).to.deep.include({
      kind: 'row',
      text: "Service: Haircut, men's; Price: 800 RUB; Duration: 40 min",
    });
    expect(doc.blocks).to.deep.include({
      kind: 'row',
      text: 'Service: Eyebrow shaping; Price: 700 UAH; Duration: 30 min',
    });
  });

  it('reads HTML text without its page chrome (contacts.html)', async () => {
    const doc = await extractDocument(readFixture('contacts.html'), 'contacts.html');
    expect(doc.type).to.equal('html');
    expect(allText(doc)).to.include('Our address: 12 Khreshchatyk St, Kyiv, second floor.');
    expect(allText(doc)).not.to.match(/SECRET_TRACKER|Navigation prices link|footer text|logo header text/);
  });

  it('reads Markdown headings (about.md)', async () => {
    const doc = await extractDocument(readFixture('about.md'), 'about.md');
    expect(doc.type).to.equal('md');
    expect(doc.blocks).to.deep.include({ kind: 'heading', level: 2, text: 'Loyalty programme' });
    expect(allText(doc)).to.include('Every 6th manicure is free');
  });

  it('reads a Windows-1251 text file (hours-ru.cp1251.txt)', async () => {
    const doc = await extractDocument(readFixture('hours-ru.cp1251.txt'), 'hours-ru.cp1251.txt');
    expect(doc.type).to.equal('txt');
    expect(allText(doc)).to.include('Воскресенье — выходной день.');
  });

  it('reads a UTF-16LE text file (hours-uk.utf16le.txt)', async () => {
    const doc = await extractDocument(readFixture('hours-uk.utf16le.txt'), 'hours-uk.utf16le.txt');
    expect(allText(doc)).to.include('Останній запис на манікюр приймаємо о 19:00.');
    expect(allText(doc)).to.include("Понеділок – п'ятниця: з 9:00 до 20:00.");
  });

  it('keeps every fixture free of control characters and empty blocks', async () => {
    const names = [
      'policies.pdf',
      'faq-ru.docx',
      'faq-uk.doc',
      'price-list.xlsx',
      'price-list.xls',
      'services.csv',
      'contacts.html',
      'about.md',
    ];
    for (const name of names) {
      const doc = await extractDocument(readFixture(name), name);
      for (const block of doc.blocks) {
        expect(block.text.trim(), `${name}: empty block`).not.to.equal('');
        expect(block.text, `${name}: control character`).not.to.match(/[\u0000-\u0008\u000B-\u001F]/);
      }
    }
  });
});
