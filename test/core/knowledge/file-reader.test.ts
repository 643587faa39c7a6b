// The file reader: every file is read in a worker thread within limits on text, pages, rows, unpacked size,
// time and memory; past one the file is refused with a message naming the limit, and the reader carries on.
import { expect } from 'chai';
import { chunkDocument } from '../../../core/knowledge/chunk.ts';
import { extractDocument } from '../../../core/knowledge/extract.ts';
import { FileTooComplexError } from '../../../core/knowledge/extraction-errors.ts';
import type { ExtractionLimits } from '../../../core/knowledge/extraction-limits.ts';
import { createFileReader, type FileReader } from '../../../core/knowledge/file-reader.ts';
import { hugeDocx, inflatingPdf, manyPagesPdf, manyRowsXlsx } from '../../support/hostile-files.ts';
import { buildDocx, documentXml } from '../../support/zip-writer.ts';
import { expectRejection, readFixture } from './helpers/fixtures.ts';

/** Reads with a reader of its own (closed afterwards), so no test depends on another's threads. */
async function withReader<T>(limits: Partial<ExtractionLimits>, use: (reader: FileReader) => Promise<T>): Promise<T> {
  const reader = createFileReader({ limits });
  try {
    return await use(reader);
  } finally {
    await reader.close();
  }
}

async function refusal(
  limits: Partial<ExtractionLimits>,
  file: { name: string; bytes: Uint8Array },
): Promise<FileTooComplexError> {
  return withReader(limits, (reader) => expectRejection(reader.read(file.bytes, file.name), FileTooComplexError));
}

describe('file reader: files are read in a worker thread, within limits', function () {
  this.timeout(60_000);

  it('reads each format into the same chunks as reading it in place', async () => {
    await withReader({}, async (reader) => {
      for (const name of ['policies.pdf', 'faq-ru.docx', 'price-list.xls', 'price-list.xlsx', 'services.csv']) {
        const bytes = readFixture(name);
        const read = await reader.read(bytes, name);
        const inPlace = await extractDocument(bytes, name);
        expect(read.type, name).to.equal(inPlace.type);
        expect(read.chunks, name).to.deep.equal(chunkDocument(inPlace));
        expect(read.characters, name).to.equal(inPlace.blocks.reduce((sum, block) => sum + block.text.length, 0));
      }
    });
  });

  it('reads one file after another in the same thread, but never another file where SheetJS ran', async () => {
    await withReader({}, async (reader) => {
      await reader.read(readFixture('services.csv'), 'services.csv');
      await reader.read(readFixture('about.md'), 'about.md');
      expect(reader.threadsStarted()).to.equal(1);
      await reader.read(readFixture('price-list.xls'), 'price-list.xls');
      await reader.read(readFixture('services.csv'), 'services.csv');
      expect(reader.threadsStarted()).to.equal(2);
    });
  });

  describe("issue 12's files, with the default limits", () => {
    it('refuses a ~95 MB .docx of 1.5 M ordinary paragraphs by its text budget, saying to split it', async () => {
      const docx = await hugeDocx();
      const error = await refusal({}, docx);
      expect(error.limit).to.equal('text');
      expect(error.status).to.equal(422);
      expect(error.message).to.match(/more than 5,000,000 characters of text/);
      expect(error.message).to.match(/Split it into smaller files/);
    });

    it('refuses a PDF of 20,000 pages sharing one content stream by its page limit', async () => {
      const error = await refusal({}, await manyPagesPdf());
      expect(error.limit).to.equal('pages');
      expect(error.message).to.match(/has 20,000 pages; the assistant takes at most 2,000 pages/);
      expect(error.message).to.match(/Split it into smaller PDFs/);
    });

    it('refuses a PDF whose one stream inflates to 600 MB by its unpacked size, without inflating it all', async () => {
      const pdf = await inflatingPdf();
      expect(pdf.bytes.length).to.be.below(1024 * 1024);
      const error = await refusal({}, pdf);
      expect(error.limit).to.equal('unpacked');
      expect(error.message).to.match(/unpacks to more than 100 MB/);
      expect(error.message).to.match(/Export it again as PDF/);
    });

    it('refuses an .xlsx of a million rows by its row limit, before exceljs loads it', async () => {
      const error = await refusal({}, await manyRowsXlsx());
      expect(error.limit).to.equal('rows');
      expect(error.message).to.match(/more than 50,000 rows/);
    });
  });

  describe('each limit follows its setting', () => {
    it('text: a docx, a text file and a PDF past a small budget', async () => {
      const limits = { maxTextChars: 2_000 };
      const docx = buildDocx(documentXml(Array.from({ length: 200 }, (_, index) => `Rule ${index}: a sentence.`)));
      expect((await refusal(limits, { name: 'rules.docx', bytes: docx })).limit).to.equal('text');
      const text = new TextEncoder().encode('Opening hours are posted at the door. '.repeat(100));
      expect((await refusal(limits, { name: 'notes.txt', bytes: text })).limit).to.equal('text');
      expect((await refusal({ maxTextChars: 1_000 }, await manyPagesPdf(20))).message).to.match(/1,000 characters/);
    });

    it('pages, rows and unpacked size', async () => {
      expect((await refusal({ maxPages: 10 }, await manyPagesPdf(11))).message).to.match(/at most 10 pages/);
      await withReader({ maxPages: 10 }, async (reader) => {
        const pdf = await manyPagesPdf(10);
        expect((await reader.read(pdf.bytes, pdf.name)).chunks.length).to.be.above(0);
      });
      expect((await refusal({ maxRows: 100 }, await manyRowsXlsx(101))).message).to.match(/more than 100 rows/);
      const inflating = await inflatingPdf(3 * 1024 * 1024);
      expect((await refusal({ maxUncompressedBytes: 1024 * 1024 }, inflating)).limit).to.equal('unpacked');
    });

    it('time: a reading past its deadline is stopped, and the next file is read', async () => {
      // With the unpacked limit lifted, pdf.js would spend many seconds on a stream inflating to 600 MB.
      const pdf = await inflatingPdf();
      await withReader({ timeoutMs: 2_000, maxUncompressedBytes: 4e9, memoryMb: 2_048 }, async (reader) => {
        const error = await expectRejection(reader.read(pdf.bytes, pdf.name), FileTooComplexError);
        expect(error.limit).to.equal('time');
        expect(error.message).to.match(/took longer than 2 seconds/);
        expect((await reader.read(readFixture('services.csv'), 'services.csv')).type).to.equal('csv');
      });
    });

    it('memory: a reading that needs more than allowed is stopped, and the next file is read', async () => {
      const docx = await hugeDocx(300_000);
      await withReader({ memoryMb: 64, maxTextChars: 1e9, maxUncompressedBytes: 1e9 }, async (reader) => {
        const error = await expectRejection(reader.read(docx.bytes, docx.name), FileTooComplexError);
        expect(error.limit).to.equal('memory');
        expect(error.message).to.match(/needed more than 64 MB of memory/);
        expect((await reader.read(readFixture('about.md'), 'about.md')).type).to.equal('md');
      });
    });
  });

  it('refuses unsupported and damaged files with their own errors, read in the thread', async () => {
    await withReader({}, async (reader) => {
      const program = readFixture('bad/program.pdf');
      const error = await reader.read(program, 'program.pdf').catch((caught: unknown) => caught);
      expect(error).to.have.property('status', 415);
      const truncated = await reader
        .read(readFixture('bad/truncated.docx'), 't.docx')
        .catch((caught: unknown) => caught);
      expect(truncated).to.have.property('status', 422);
      expect(String((truncated as Error).message)).to.match(/could not be read/);
    });
  });
});
