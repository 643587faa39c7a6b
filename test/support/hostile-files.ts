// The uploads of issue 12 that once took the server down, built on demand (small to send, huge to read):
// a .docx that unpacks to ~91 MB of ordinary paragraphs, a PDF of 20,000 pages sharing one content
// stream, a PDF whose one stream inflates to ~600 MB, and an .xlsx of a million rows. Used by the tests
// and by `npm run bench:upload`; sizes are parameters so a test can build a smaller one.
import { constants, deflateRawSync } from 'node:zlib';
import { assembleZip, CONTENT_TYPES, packEntry, ROOT_RELS } from './zip-writer.ts';

export interface HostileFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * `count` items made by `make`, as pieces of `period` items each (the last may be shorter). Items depend
 * on their index modulo `period` only, so every whole piece is the same string: built, encoded and
 * compressed once however many times it is repeated.
 */
function* repeated(count: number, period: number, make: (index: number) => string): Generator<string> {
  let whole = '';
  for (let index = 0; index < Math.min(count, period); index += 1) whole += make(index);
  for (let start = 0; start + period <= count; start += period) yield whole;
  let rest = '';
  for (let index = count - (count % period); index < count; index += 1) rest += make(index % period);
  if (rest !== '') yield rest;
}

/**
 * A .docx whose word/document.xml holds `paragraphs` ordinary paragraphs (1.5 M: ~91 MB unpacked, ~610 KB
 * packed; the issue's was 95 MB from 339 KB, within the same 100 MB unpacked limit).
 */
export async function hugeDocx(paragraphs = 1_500_000): Promise<HostileFile> {
  const head =
    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>';
  const body = repeated(
    paragraphs,
    10_000,
    (index) => `<w:p><w:r><w:t>Rule ${index % 100}: cancel a day ahead.</w:t></w:r></w:p>`,
  );
  const document = packEntry('word/document.xml', [head, ...body, '</w:body></w:document>']);
  return {
    name: 'handbook.docx',
    bytes: assembleZip([
      packEntry('[Content_Types].xml', [CONTENT_TYPES]),
      packEntry('_rels/.rels', [ROOT_RELS]),
      document,
    ]),
  };
}

const XLSX_CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>';
const XLSX_ROOT_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>';
const WORKBOOK =
  '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
  '<sheets><sheet name="Prices" sheetId="1" r:id="rId1"/></sheets></workbook>';
const WORKBOOK_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>';

/** An .xlsx with one sheet of `rows` rows (a header, then "Item n" and a price): 1 M rows is ~8 MB packed. */
export async function manyRowsXlsx(rows = 1_000_000): Promise<HostileFile> {
  const head =
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Item</t></is></c><c r="B1" t="inlineStr"><is><t>Price</t></is></c></row>';
  // Row and cell references are optional in SpreadsheetML; without them the rows compress like the issue's file.
  const body = repeated(
    rows,
    10_000,
    (index) =>
      `<row><c t="inlineStr"><is><t>Item ${index % 1000}</t></is></c><c><v>${1000 + (index % 500)}</v></c></row>`,
  );
  const sheet = packEntry('xl/worksheets/sheet1.xml', [head, ...body, '</sheetData></worksheet>']);
  return {
    name: 'price-list.xlsx',
    bytes: assembleZip([
      packEntry('[Content_Types].xml', [XLSX_CONTENT_TYPES]),
      packEntry('_rels/.rels', [XLSX_ROOT_RELS]),
      packEntry('xl/workbook.xml', [WORKBOOK]),
      packEntry('xl/_rels/workbook.xml.rels', [WORKBOOK_RELS]),
      sheet,
    ]),
  };
}

const ADLER_BASE = 65521;

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += 5552) {
    for (let index = start; index < Math.min(bytes.length, start + 5552); index += 1) {
      a += bytes[index]!;
      b += a;
    }
    a %= ADLER_BASE;
    b %= ADLER_BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** The Adler-32 of A followed by B, from theirs (zlib's adler32_combine). */
function adler32Combine(first: number, second: number, secondLength: number): number {
  const remainder = secondLength % ADLER_BASE;
  let sum1 = first & 0xffff;
  let sum2 = (remainder * sum1) % ADLER_BASE;
  sum1 += (second & 0xffff) + ADLER_BASE - 1;
  sum2 += (first >>> 16) + (second >>> 16) + ADLER_BASE - remainder;
  while (sum1 >= ADLER_BASE) sum1 -= ADLER_BASE;
  while (sum2 >= ADLER_BASE) sum2 -= ADLER_BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

/**
 * zlib-compresses (the PDF FlateDecode filter) pieces produced one at a time; like `packEntry`, each
 * piece ends in a full flush, so a repeated piece (the same Buffer) is compressed once.
 */
function flate(source: Iterable<Buffer>): Buffer {
  const seen = new Map<Buffer, { compressed: Buffer; adler: number }>();
  const output: Buffer[] = [Buffer.from([0x78, 0xda])];
  let adler = 1;
  for (const piece of source) {
    let packed = seen.get(piece);
    if (packed === undefined) {
      packed = {
        compressed: deflateRawSync(piece, { level: 9, finishFlush: constants.Z_FULL_FLUSH }),
        adler: adler32(piece),
      };
      seen.set(piece, packed);
    }
    adler = adler32Combine(adler, packed.adler, piece.length);
    output.push(packed.compressed);
  }
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler);
  output.push(deflateRawSync(Buffer.alloc(0)), trailer);
  return Buffer.concat(output);
}

/** A PDF from numbered objects (1 is the catalog), with a correct cross-reference table. */
function assemblePdf(objects: readonly (string | Buffer)[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(length);
    const bytes = Buffer.concat([
      Buffer.from(`${index + 1} 0 obj\n`),
      typeof object === 'string' ? Buffer.from(object, 'latin1') : object,
      Buffer.from('\nendobj\n'),
    ]);
    parts.push(bytes);
    length += bytes.length;
  });
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length + 1} /Root 1 0 R >>`,
    'startxref',
    String(length),
    '%%EOF',
    '',
  ].join('\n');
  parts.push(Buffer.from(xref, 'latin1'));
  return new Uint8Array(Buffer.concat(parts));
}

function streamObject(dictionary: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`<< ${dictionary} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

function textOperators(lines: readonly string[]): string {
  return `BT /F1 12 Tf 72 760 Td 14 TL ${lines.map((line) => `(${line}) '`).join(' ')} ET\n`;
}

/** A PDF of `pages` pages (20,000: ~3 MB) that all draw one shared content stream of a few lines. */
export async function manyPagesPdf(pages = 20_000): Promise<HostileFile> {
  const content = flate([
    Buffer.from(textOperators(['Opening hours: 10:00 to 20:00 every day.', 'Manicure with gel polish: 1500 RUB.'])),
  ]);
  // 1 catalog, 2 page tree, 3 content, 4 font, then the pages from 5.
  const kids = Array.from({ length: pages }, (_, index) => `${index + 5} 0 R`).join(' ');
  const objects: (string | Buffer)[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    streamObject('/Filter /FlateDecode', content),
    FONT,
  ];
  for (let index = 0; index < pages; index += 1)
    objects.push(
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>',
    );
  return { name: 'catalogue.pdf', bytes: assemblePdf(objects) };
}

/** A one-page PDF whose content stream (a line of text, then spaces) inflates to `inflatedBytes` (600 MB: ~600 KB packed). */
export async function inflatingPdf(inflatedBytes = 600 * 1024 * 1024): Promise<HostileFile> {
  const text = Buffer.from(textOperators(['Opening hours: 10:00 to 20:00 every day.']));
  const spaces = Buffer.alloc(1024 * 1024, 0x20);
  const content = flate(
    (function* () {
      yield text;
      for (let left = inflatedBytes - text.length; left > 0; left -= spaces.length)
        yield left >= spaces.length ? spaces : spaces.subarray(0, left);
    })(),
  );
  return {
    name: 'price-list.pdf',
    bytes: assemblePdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
      streamObject('/Filter /FlateDecode', content),
      FONT,
    ]),
  };
}
