// Text decoding: BOMs, BOM-less UTF-16, strict UTF-8, and the Windows-1251 fallback all give the right Cyrillic.
import { expect } from 'chai';
import iconv from 'iconv-lite';
import { decodeText, detectEncoding } from '../../../../core/knowledge/formats/decode-text.ts';

const RUSSIAN = 'Маникюр с покрытием — 1500 руб.\nЗапись: ежедневно с 9:00.';
const UKRAINIAN = "Ґанок, їжак, п'ятниця: Єва працює з 10:00.";

function bytesOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}

describe('decodeText', () => {
  it('reads UTF-8 with and without a BOM, dropping the BOM', () => {
    expect(decodeText(new TextEncoder().encode(RUSSIAN))).to.deep.equal({ text: RUSSIAN, encoding: 'utf-8' });
    const withBom = bytesOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(UKRAINIAN)]));
    expect(decodeText(withBom)).to.deep.equal({ text: UKRAINIAN, encoding: 'utf-8' });
  });

  it('reads UTF-16LE and UTF-16BE by their BOMs', () => {
    const le = bytesOf(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(RUSSIAN, 'utf16le')]));
    const be = bytesOf(Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(UKRAINIAN, 'utf16be')]));
    expect(decodeText(le)).to.deep.equal({ text: RUSSIAN, encoding: 'utf-16le' });
    expect(decodeText(be)).to.deep.equal({ text: UKRAINIAN, encoding: 'utf-16be' });
  });

  it('recognises BOM-less UTF-16, Latin or Cyrillic, by the pattern of its high bytes', () => {
    const latin = 'Opening hours: Mon-Fri 9:00-21:00, Sat 10:00-18:00. Тел. +380';
    expect(decodeText(bytesOf(iconv.encode(latin, 'utf16le')))).to.deep.equal({ text: latin, encoding: 'utf-16le' });
    expect(detectEncoding(bytesOf(iconv.encode(latin, 'utf16be')))).to.equal('utf-16be');
    expect(decodeText(bytesOf(iconv.encode(RUSSIAN, 'utf16le')))).to.deep.equal({
      text: RUSSIAN,
      encoding: 'utf-16le',
    });
    expect(decodeText(bytesOf(iconv.encode(UKRAINIAN, 'utf16be')))).to.deep.equal({
      text: UKRAINIAN,
      encoding: 'utf-16be',
    });
  });

  it('does not mistake plain ASCII or UTF-8 for UTF-16', () => {
    expect(detectEncoding(new TextEncoder().encode('Price list\nManicure 1500\n'))).to.equal('utf-8');
    expect(detectEncoding(new TextEncoder().encode('Ж'.repeat(50)))).to.equal('utf-8');
  });

  it('falls back to Windows-1251 when the bytes are not valid UTF-8 (Russian and Ukrainian letters)', () => {
    expect(decodeText(bytesOf(iconv.encode(RUSSIAN, 'win1251')))).to.deep.equal({
      text: RUSSIAN,
      encoding: 'windows-1251',
    });
    expect(decodeText(bytesOf(iconv.encode(UKRAINIAN, 'win1251'))).text).to.equal(UKRAINIAN);
  });

  it('normalises CRLF and CR line endings to LF', () => {
    expect(decodeText(new TextEncoder().encode('a\r\nb\rc\n')).text).to.equal('a\nb\nc\n');
  });
});
