// The zip guard: docx/xlsx archives that unpack past the limit (honestly or by lying) are refused before a parser sees them.
import { expect } from 'chai';
import { extractDocument } from '../../../core/knowledge/extract.ts';
import { CorruptFileError, FileTooComplexError } from '../../../core/knowledge/extraction-errors.ts';
import { DEFAULT_LIMITS } from '../../../core/knowledge/extraction-limits.ts';
import { assertZipWithinLimits, listZipEntries } from '../../../core/knowledge/zip-archive.ts';
import { expectRejection, readFixture } from './helpers/fixtures.ts';
import { buildDocx, buildZip, documentXml } from '../../support/zip-writer.ts';

describe('zip guard', function () {
  this.timeout(15_000);

  it('lists the central directory of a real docx', async () => {
    const names = (await listZipEntries(readFixture('faq-ru.docx'), 100)).map((entry) => entry.name);
    expect(names).to.include.members(['[Content_Types].xml', 'word/document.xml']);
  });

  it('lets a small well-formed docx through to mammoth', async () => {
    const doc = await extractDocument(buildDocx(documentXml(['Запись онлайн круглосуточно.'])), 'tiny.docx');
    expect(doc.blocks).to.deep.equal([{ kind: 'paragraph', text: 'Запись онлайн круглосуточно.' }]);
  });

  it('refuses a docx whose one entry inflates past the default 100 MB (a zip bomb of ~100 KB)', async () => {
    const spaces = new Uint8Array(DEFAULT_LIMITS.maxUncompressedBytes + 1024 * 1024).fill(0x20);
    const bomb = buildDocx(spaces);
    expect(bomb.length).to.be.below(spaces.length / 500);
    const before = process.memoryUsage().rss;
    const error = await expectRejection(extractDocument(bomb, 'bomb.docx'), FileTooComplexError);
    expect(error.status).to.equal(422);
    expect(error.message).to.match(/zip bomb/);
    // Refused from the central directory alone: nothing near the inflated size was allocated.
    expect(process.memoryUsage().rss - before).to.be.below(50 * 1024 * 1024);
  });

  it('refuses an archive that lies about its sizes, without inflating past what it declared', async () => {
    const big = documentXml(Array.from({ length: 20_000 }, (_, index) => `Paragraph ${index} of a lying archive.`));
    const liar = buildDocx(big, 1_000);
    await expectRejection(
      assertZipWithinLimits(liar, { ...DEFAULT_LIMITS, maxUncompressedBytes: 100_000 }),
      CorruptFileError,
    );
    await expectRejection(
      extractDocument(liar, 'liar.docx', { limits: { maxUncompressedBytes: 100_000 } }),
      CorruptFileError,
    );
  });

  it('refuses a lying [Content_Types].xml that inflates to 150 MB without inflating it, type detection included', async () => {
    const huge = new Uint8Array(150 * 1024 * 1024).fill(0x20);
    const liar = buildZip([
      { name: '[Content_Types].xml', data: huge, declaredSize: 500 },
      { name: 'word/document.xml', data: documentXml(['text']) },
    ]);
    const before = process.memoryUsage().rss;
    await expectRejection(extractDocument(liar, 'liar.docx'), CorruptFileError);
    expect(process.memoryUsage().rss - before).to.be.below(50 * 1024 * 1024);
  });

  it('counts the real inflated bytes against the limit', async () => {
    const xml = documentXml(Array.from({ length: 2_000 }, () => 'Manicure with gel polish costs 1500 RUB.'));
    await assertZipWithinLimits(buildDocx(xml), { ...DEFAULT_LIMITS, maxUncompressedBytes: xml.length + 2_000 });
    await expectRejection(
      assertZipWithinLimits(buildDocx(xml), { ...DEFAULT_LIMITS, maxUncompressedBytes: xml.length - 1 }),
      FileTooComplexError,
    );
  });

  it('applies the configured limit to real xlsx and docx fixtures too', async () => {
    await expectRejection(
      extractDocument(readFixture('price-list.xlsx'), 'price-list.xlsx', { limits: { maxUncompressedBytes: 10_000 } }),
      FileTooComplexError,
    );
    await expectRejection(
      extractDocument(readFixture('faq-ru.docx'), 'faq-ru.docx', { limits: { maxUncompressedBytes: 10_000 } }),
      FileTooComplexError,
    );
  });

  it('refuses an archive with more entries than allowed', async () => {
    const entries = Array.from({ length: 30 }, (_, index) => ({
      name: `word/part${index}.xml`,
      data: new Uint8Array([0x20]),
    }));
    const docx = buildZip([{ name: '[Content_Types].xml', data: new TextEncoder().encode('<Types/>') }, ...entries]);
    await expectRejection(extractDocument(docx, 'many.docx', { limits: { maxZipEntries: 20 } }), FileTooComplexError);
  });
});
