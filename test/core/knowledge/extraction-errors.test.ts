// Bad uploads fail with the right extraction error, an owner-readable message and a cause: never a crash, never a hang.
import { expect } from 'chai';
import { DomainError } from '../../../core/errors.ts';
import { extractDocument } from '../../../core/knowledge/extract.ts';
import {
  CorruptFileError,
  EmptyDocumentError,
  FileTooComplexError,
  isExtractionError,
  UnsupportedFileError,
} from '../../../core/knowledge/extraction-errors.ts';
import { expectRejection, readFixture } from './helpers/fixtures.ts';

describe('extractDocument: bad files', function () {
  this.timeout(10_000);

  it('an empty file is an empty document (422)', async () => {
    const error = await expectRejection(extractDocument(readFixture('bad/empty.txt'), 'empty.txt'), EmptyDocumentError);
    expect(error.status).to.equal(422);
    await expectRejection(extractDocument(new Uint8Array(0), 'empty.docx'), EmptyDocumentError);
  });

  it('a text file of only blank lines is an empty document', async () => {
    await expectRejection(extractDocument(new TextEncoder().encode(' \n\t\n \n'), 'blank.txt'), EmptyDocumentError);
    await expectRejection(
      extractDocument(new TextEncoder().encode('<html><script>x()</script></html>'), 'blank.html'),
      EmptyDocumentError,
    );
  });

  it('a scanned PDF (image only) is an empty document that tells the owner why', async () => {
    const error = await expectRejection(
      extractDocument(readFixture('bad/scanned.pdf'), 'scanned.pdf'),
      EmptyDocumentError,
    );
    expect(error.message).to.match(/no text layer/i);
  });

  it('a truncated DOCX is corrupt (422) and keeps the parser error as its cause', async () => {
    const error = await expectRejection(
      extractDocument(readFixture('bad/truncated.docx'), 'truncated.docx'),
      CorruptFileError,
    );
    expect(error.status).to.equal(422);
    expect(error.cause).to.be.instanceOf(Error);
  });

  it('a PDF header followed by garbage is corrupt', async () => {
    const bytes = new TextEncoder().encode(`%PDF-1.7\n${'garbage '.repeat(200)}`);
    await expectRejection(extractDocument(bytes, 'broken.pdf'), CorruptFileError);
  });

  it('a truncated PDF is corrupt or empty, never a crash', async () => {
    const whole = readFixture('policies.pdf');
    let error: unknown;
    try {
      await extractDocument(whole.subarray(0, 600), 'cut.pdf');
    } catch (caught) {
      error = caught;
    }
    expect(error instanceof CorruptFileError || error instanceof EmptyDocumentError, String(error)).to.equal(true);
  });

  it('a truncated XLS is corrupt, whether the cut removes its directory or its data', async () => {
    const xls = readFixture('price-list.xls');
    await expectRejection(extractDocument(xls.subarray(0, 900), 'cut.xls'), CorruptFileError);
    await expectRejection(extractDocument(xls.subarray(0, 6400), 'cut.xls'), CorruptFileError);
  });

  it('a DOC, DOCX, XLSX or PDF cut short anywhere either still reads or fails with an extraction error', async function () {
    this.timeout(30_000);
    for (const name of ['faq-uk.doc', 'faq-ru.docx', 'price-list.xlsx', 'policies.pdf']) {
      const whole = readFixture(name);
      const step = Math.ceil(whole.length / 12);
      for (let cut = 1; cut < whole.length; cut += step) {
        try {
          const doc = await extractDocument(whole.subarray(0, cut), name);
          expect(doc.blocks.length, `${name} cut at ${cut}`).to.be.greaterThan(0);
        } catch (error) {
          expect(isExtractionError(error), `${name} cut at ${cut}: ${String(error)}`).to.equal(true);
        }
      }
    }
  });

  it('a renamed program is unsupported (415)', async () => {
    const error = await expectRejection(
      extractDocument(readFixture('bad/program.pdf'), 'program.pdf'),
      UnsupportedFileError,
    );
    expect(error.status).to.equal(415);
  });

  it('an unsupported format is unsupported', async () => {
    await expectRejection(extractDocument(new TextEncoder().encode('hello'), 'slides.pptx'), UnsupportedFileError);
  });

  it('every extraction error is a DomainError the API maps by its status, with an owner-readable message', () => {
    const errors = [
      new UnsupportedFileError(),
      new CorruptFileError(),
      new EmptyDocumentError(),
      new FileTooComplexError(),
    ];
    expect(errors.map((error) => error.status)).to.deep.equal([415, 422, 422, 422]);
    for (const error of errors) {
      expect(error).to.be.instanceOf(DomainError);
      expect(error.name).to.equal(error.constructor.name);
      expect(error.message).to.match(/^This file|^This /);
      expect(error.message).not.to.match(/undefined|Error:|stack/i);
    }
    const cause = new Error('inner');
    expect(new CorruptFileError(undefined, { cause }).cause).to.equal(cause);
  });
});
