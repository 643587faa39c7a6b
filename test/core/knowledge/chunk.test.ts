// Chunking follows structure: rows stay whole, chunks respect the budget, headings set the path, paragraph chunks overlap.
import { expect } from 'chai';
import { chunkDocument, estimateTokens } from '../../../core/knowledge/chunk.ts';
import type { Block, ExtractedDocument } from '../../../core/knowledge/document-model.ts';
import { extractDocument } from '../../../core/knowledge/extract.ts';
import { readFixture } from './helpers/fixtures.ts';

const doc = (blocks: Block[]): ExtractedDocument => ({ type: 'txt', blocks });
const sentence = (index: number): string =>
  `Sentence number ${index} tells the customer one more useful thing about the salon.`;
const longParagraph = (count: number): string => Array.from({ length: count }, (_, index) => sentence(index)).join(' ');

describe('chunkDocument', () => {
  it('numbers chunks from 0 and reports each one’s estimated token count', () => {
    const chunks = chunkDocument(doc([{ kind: 'paragraph', text: longParagraph(40) }]), { maxTokens: 100 });
    expect(chunks.map((chunk) => chunk.position)).to.deep.equal(chunks.map((_, index) => index));
    for (const chunk of chunks) expect(chunk.tokenCount).to.equal(estimateTokens(chunk.text));
  });

  it('packs short paragraphs of one section together up to the budget', () => {
    const blocks: Block[] = Array.from({ length: 6 }, (_, index) => ({ kind: 'paragraph', text: sentence(index) }));
    const chunks = chunkDocument(doc(blocks), { maxTokens: 300 });
    expect(chunks).to.have.length(1);
    expect(chunks[0]?.text.split('\n\n')).to.deep.equal(blocks.map((block) => block.text));
  });

  it('splits a paragraph longer than the budget at sentence boundaries, every chunk within the budget', () => {
    const chunks = chunkDocument(doc([{ kind: 'paragraph', text: longParagraph(40) }]), {
      maxTokens: 100,
      overlapTokens: 0,
    });
    expect(chunks.length).to.be.greaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokenCount).to.be.at.most(100);
      expect(chunk.text).to.match(/^Sentence number \d+ .*salon\.$/s);
    }
    const sentences = chunks.flatMap((chunk) => chunk.text.split(/(?<=\.) /));
    expect(sentences).to.deep.equal(Array.from({ length: 40 }, (_, index) => sentence(index)));
  });

  it('starts each next paragraph chunk with the last whole sentences of the previous one that fit the overlap', () => {
    const chunks = chunkDocument(doc([{ kind: 'paragraph', text: longParagraph(40) }]), {
      maxTokens: 100,
      overlapTokens: 40,
    });
    expect(chunks.length).to.be.greaterThan(5);
    for (let index = 1; index < chunks.length; index += 1) {
      const previous = (chunks[index - 1]?.text ?? '').split(/(?<=\.) /);
      let tail: string[] = [];
      while (previous.length > 0 && estimateTokens([previous.at(-1), ...tail].join(' ')) <= 40)
        tail = [previous.pop() ?? '', ...tail];
      expect(tail, `chunk ${index}`).to.have.length(2); // each sentence is ~19 tokens: two fit in 40
      expect(chunks[index]?.text.startsWith(`${tail.join(' ')} `), `chunk ${index}`).to.equal(true);
      expect(chunks[index]?.tokenCount).to.be.at.most(100);
    }
  });

  it('overlaps consecutive paragraph chunks when a new paragraph does not fit', () => {
    const first = longParagraph(4);
    const second = `New paragraph. ${longParagraph(3)}`;
    const chunks = chunkDocument(
      doc([
        { kind: 'paragraph', text: first },
        { kind: 'paragraph', text: second },
      ]),
      { maxTokens: 100, overlapTokens: 25 },
    );
    expect(chunks.map((chunk) => chunk.text)).to.deep.equal([first, `${sentence(3)}\n\n${second}`]);
  });

  it('has no overlap when overlapTokens is 0', () => {
    const chunks = chunkDocument(doc([{ kind: 'paragraph', text: longParagraph(20) }]), {
      maxTokens: 100,
      overlapTokens: 0,
    });
    expect(chunks.map((chunk) => chunk.text).join(' ')).to.equal(longParagraph(20));
  });

  it('cuts a sentence longer than the budget between words, and a giant word by length', () => {
    const words = Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ');
    const blob = 'x'.repeat(2_000);
    const chunks = chunkDocument(
      doc([
        { kind: 'paragraph', text: words },
        { kind: 'paragraph', text: blob },
      ]),
      { maxTokens: 50, overlapTokens: 0 },
    );
    for (const chunk of chunks) expect(chunk.tokenCount).to.be.at.most(50);
    expect(
      chunks
        .map((chunk) => chunk.text)
        .join(' ')
        .replace(/\s+/g, ' '),
    )
      .to.include('word0 word1')
      .and.include('word199');
    expect(
      chunks
        .filter((chunk) => /^x+$/.test(chunk.text))
        .map((chunk) => chunk.text)
        .join(''),
    ).to.equal(blob);
  });

  it('starts a new chunk at every heading and tracks the heading path by level', () => {
    const chunks = chunkDocument(
      doc([
        { kind: 'heading', level: 1, text: 'Salon' },
        { kind: 'paragraph', text: 'Intro.' },
        { kind: 'heading', level: 2, text: 'Prices' },
        { kind: 'heading', level: 3, text: 'Nails' },
        { kind: 'paragraph', text: 'Manicure 1500.' },
        { kind: 'heading', level: 3, text: 'Hair' },
        { kind: 'paragraph', text: 'Haircut 2000.' },
        { kind: 'heading', level: 2, text: 'Rules' },
        { kind: 'paragraph', text: 'Cancel 24 h ahead.' },
        { kind: 'heading', level: 1, text: 'Другое' },
        { kind: 'paragraph', text: 'Парковка во дворе.' },
      ]),
    );
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.text])).to.deep.equal([
      [['Salon'], 'Intro.'],
      [['Salon', 'Prices', 'Nails'], 'Manicure 1500.'],
      [['Salon', 'Prices', 'Hair'], 'Haircut 2000.'],
      [['Salon', 'Rules'], 'Cancel 24 h ahead.'],
      [['Другое'], 'Парковка во дворе.'],
    ]);
  });

  it('never overlaps across a heading', () => {
    const chunks = chunkDocument(
      doc([
        { kind: 'paragraph', text: longParagraph(10) },
        { kind: 'heading', level: 2, text: 'Next' },
        { kind: 'paragraph', text: 'Fresh start.' },
      ]),
      { maxTokens: 400, overlapTokens: 40 },
    );
    expect(chunks.at(-1)).to.include({ text: 'Fresh start.' });
  });

  it('packs rows several per chunk, never splits one, repeats the path with the sheet name, and never overlaps rows', () => {
    const rows: Block[] = Array.from({ length: 50 }, (_, index) => ({
      kind: 'row',
      text: `Услуга: Процедура ${index}; Цена, руб: ${1000 + index * 10}; Длительность, мин: 60`,
      sheet: 'Прайс',
    }));
    const chunks = chunkDocument(doc([{ kind: 'heading', level: 1, text: 'Цены' }, ...rows]), {
      maxTokens: 120,
      overlapTokens: 40,
    });
    expect(chunks.length).to.be.greaterThan(5);
    const lines = chunks.flatMap((chunk) => chunk.text.split('\n'));
    expect(lines).to.deep.equal(rows.map((row) => row.text));
    for (const chunk of chunks) {
      expect(chunk.headingPath).to.deep.equal(['Цены', 'Прайс']);
      expect(chunk.tokenCount).to.be.at.most(120);
      expect(chunk.text.split('\n').length).to.be.greaterThan(1);
    }
  });

  it('starts a new chunk when the sheet changes', () => {
    const chunks = chunkDocument(
      doc([
        { kind: 'row', text: 'Service: A', sheet: 'One' },
        { kind: 'row', text: 'Service: B', sheet: 'Two' },
        { kind: 'row', text: 'Service: C' },
      ]),
    );
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.text])).to.deep.equal([
      [['One'], 'Service: A'],
      [['Two'], 'Service: B'],
      [[], 'Service: C'],
    ]);
  });

  it('keeps a row longer than the budget whole, alone in its chunk', () => {
    const long = `Note: ${'very long cell '.repeat(60)}end`;
    const chunks = chunkDocument(
      doc([
        { kind: 'row', text: 'A: 1' },
        { kind: 'row', text: long },
        { kind: 'row', text: 'A: 2' },
      ]),
      { maxTokens: 50 },
    );
    expect(chunks.map((chunk) => chunk.text)).to.deep.equal(['A: 1', long, 'A: 2']);
  });

  it('keeps paragraphs and rows in separate chunks, without overlap between them', () => {
    const chunks = chunkDocument(
      doc([
        { kind: 'paragraph', text: 'Our prices:' },
        { kind: 'row', text: 'Service: Manicure; Price: 1500' },
        { kind: 'paragraph', text: 'Prices include materials.' },
      ]),
    );
    expect(chunks.map((chunk) => chunk.text)).to.deep.equal([
      'Our prices:',
      'Service: Manicure; Price: 1500',
      'Prices include materials.',
    ]);
  });

  it('never produces an empty chunk', () => {
    expect(chunkDocument(doc([]))).to.deep.equal([]);
    expect(
      chunkDocument(
        doc([
          { kind: 'paragraph', text: '   ' },
          { kind: 'row', text: '\n' },
          { kind: 'heading', level: 1, text: ' ' },
        ]),
      ),
    ).to.deep.equal([]);
    const chunks = chunkDocument(
      doc([
        { kind: 'heading', level: 1, text: 'A' },
        { kind: 'heading', level: 1, text: 'B' },
        { kind: 'paragraph', text: 'text' },
      ]),
    );
    expect(chunks).to.deep.equal([{ position: 0, text: 'text', headingPath: ['B'], tokenCount: 1 }]);
  });

  it('keeps the text of a document made only of headings', () => {
    const chunks = chunkDocument(doc([{ kind: 'heading', level: 1, text: 'Прайс скоро' }]));
    expect(chunks.map((chunk) => chunk.text)).to.deep.equal(['Прайс скоро']);
  });

  it('chunks every real fixture within the default budget, losing no distinctive fact', async function () {
    this.timeout(15_000);
    const facts: Record<string, string> = {
      'policies.pdf': 'A deposit of 30% is required',
      'faq-ru.docx': 'бесплатная парковка во дворе',
      'faq-uk.doc': 'діє 6 місяців',
      'price-list.xlsx': 'Маникюр с покрытием; Цена, руб: 1500',
      'price-list.xls': 'Чоловіча стрижка; Ціна, грн: 400',
      'services.csv': 'Hot stone massage',
      'contacts.html': '12 Khreshchatyk St',
      'about.md': 'Every 6th manicure is free',
      'hours-ru.cp1251.txt': 'Суббота: с 10:00 до 18:00.',
    };
    for (const [name, fact] of Object.entries(facts)) {
      const chunks = chunkDocument(await extractDocument(readFixture(name), name));
      expect(chunks.length, name).to.be.greaterThan(0);
      expect(
        chunks.some((chunk) => chunk.text.includes(fact)),
        name,
      ).to.equal(true);
      for (const chunk of chunks) expect(chunk.tokenCount, name).to.be.within(1, 300);
    }
  });
});
