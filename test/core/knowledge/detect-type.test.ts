// File kind detection: by name and content together; contradictions and unknown kinds are refused.
import { expect } from 'chai';
import { detectFileType } from '../../../core/knowledge/detect-type.ts';
import { CorruptFileError, UnsupportedFileError } from '../../../core/knowledge/extraction-errors.ts';
import { expectRejection, readFixture } from './helpers/fixtures.ts';

describe('detectFileType', function () {
  this.timeout(10_000);

  it('recognises every fixture by its content and name', async () => {
    const expected: Record<string, string> = {
      'policies.pdf': 'pdf',
      'faq-ru.docx': 'docx',
      'faq-uk.doc': 'doc',
      'price-list.xlsx': 'xlsx',
      'price-list.xls': 'xls',
      'services.csv': 'csv',
      'contacts.html': 'html',
      'about.md': 'md',
      'hours-ru.cp1251.txt': 'txt',
      'hours-uk.utf16le.txt': 'txt',
    };
    for (const [name, kind] of Object.entries(expected)) {
      expect(await detectFileType(readFixture(name), name), name).to.equal(kind);
    }
  });

  it('ignores the letter case of the extension and accepts .htm and .markdown', async () => {
    expect(await detectFileType(readFixture('policies.pdf'), 'POLICIES.PDF')).to.equal('pdf');
    expect(await detectFileType(readFixture('contacts.html'), 'contacts.htm')).to.equal('html');
    expect(await detectFileType(readFixture('about.md'), 'notes/about.markdown')).to.equal('md');
  });

  it('tells Word from Excel inside zip and OLE2 containers by their entries, not only the name', async () => {
    // A .docx saved under .doc is still read as what it is: Word stays Word.
    expect(await detectFileType(readFixture('faq-ru.docx'), 'faq.doc')).to.equal('docx');
    expect(await detectFileType(readFixture('price-list.xls'), 'prices.xlsx')).to.equal('xls');
    await expectRejection(detectFileType(readFixture('price-list.xlsx'), 'faq.docx'), UnsupportedFileError);
    await expectRejection(detectFileType(readFixture('faq-uk.doc'), 'prices.xls'), UnsupportedFileError);
  });

  it('refuses a program renamed to .pdf or .txt', async () => {
    const error = await expectRejection(
      detectFileType(readFixture('bad/program.pdf'), 'program.pdf'),
      UnsupportedFileError,
    );
    expect(error.status).to.equal(415);
    expect(error.message).to.include('program.pdf');
    await expectRejection(detectFileType(readFixture('bad/program.pdf'), 'notes.txt'), UnsupportedFileError);
  });

  it('refuses a real document whose name claims another format', async () => {
    await expectRejection(detectFileType(readFixture('faq-ru.docx'), 'faq.pdf'), UnsupportedFileError);
    await expectRejection(detectFileType(readFixture('policies.pdf'), 'policies.docx'), UnsupportedFileError);
    await expectRejection(detectFileType(readFixture('policies.pdf'), 'policies.txt'), UnsupportedFileError);
    await expectRejection(detectFileType(readFixture('about.md'), 'about.pdf'), UnsupportedFileError);
  });

  it('refuses unknown or missing extensions', async () => {
    for (const name of ['slides.pptx', 'photo.jpg', 'archive.zip', 'README', '.md']) {
      await expectRejection(detectFileType(readFixture('about.md'), name), UnsupportedFileError);
    }
  });

  it('reports an office archive that cannot be opened as corrupt, not unsupported', async () => {
    await expectRejection(detectFileType(readFixture('bad/truncated.docx'), 'truncated.docx'), CorruptFileError);
  });

  it('accepts a Windows-1251 text whose first bytes look like an MPEG frame', async () => {
    // "яр" in Windows-1251 is FF F0: file-type calls that audio, but it is plain Russian text.
    const bytes = new Uint8Array([0xff, 0xf0, 0x20, 0xe4, 0xe0]);
    expect(await detectFileType(bytes, 'note.txt')).to.equal('txt');
  });
});
