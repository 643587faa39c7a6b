// Builds small zip archives in memory for tests (zip bombs, lying headers) without committing big files.
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface ZipSource {
  name: string;
  data: Uint8Array;
  /** Size to write in the headers instead of the real one (a lying archive). */
  declaredSize?: number;
}

/** One entry already compressed (raw deflate), with the CRC and size of its uncompressed data. */
export interface PackedEntry {
  name: string;
  compressed: Uint8Array;
  crc: number;
  size: number;
  /** Size to write in the headers instead of the real one (a lying archive). */
  declaredSize?: number;
}

/** A deflate-compressed zip (no zip64, so each entry must stay under 4 GiB). */
export function buildZip(sources: readonly ZipSource[]): Uint8Array {
  return assembleZip(
    sources.map((source) => ({
      name: source.name,
      compressed: deflateRawSync(source.data, { level: 9 }),
      crc: crc32(source.data),
      size: source.data.length,
      declaredSize: source.declaredSize,
    })),
  );
}

/**
 * Compresses an entry from pieces produced one at a time, so an entry that unpacks to hundreds of MB
 * (the hostile files of test/support/hostile-files.ts) never exists whole in memory. Each piece ends in a
 * full flush (no back-reference crosses it), so a piece repeated many times is compressed only once.
 */
export function packEntry(name: string, pieces: Iterable<string>): PackedEntry {
  const seen = new Map<string, { bytes: Buffer; compressed: Buffer }>();
  const output: Buffer[] = [];
  let crc = 0;
  let size = 0;
  for (const piece of pieces) {
    let packed = seen.get(piece);
    if (packed === undefined) {
      const bytes = Buffer.from(piece, 'utf8');
      packed = { bytes, compressed: deflateRawSync(bytes, { level: 9, finishFlush: constants.Z_FULL_FLUSH }) };
      seen.set(piece, packed);
    }
    crc = crc32(packed.bytes, crc);
    size += packed.bytes.length;
    output.push(packed.compressed);
  }
  output.push(deflateRawSync(Buffer.alloc(0))); // the final (empty) block
  return { name, compressed: new Uint8Array(Buffer.concat(output)), crc, size };
}

export function assembleZip(entries: readonly PackedEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const size = entry.declaredSize ?? entry.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(entry.crc, 14);
    local.writeUInt32LE(entry.compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, entry.compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(entry.crc, 16);
    central.writeUInt32LE(entry.compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + entry.compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

export const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';

export const ROOT_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';

/** A minimal WordprocessingML body holding one paragraph per string. */
export function documentXml(paragraphs: readonly string[]): Uint8Array {
  const body = paragraphs.map((text) => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`).join('');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  );
}

/** A docx-shaped archive whose word/document.xml is `documentXml` (e.g. hundreds of MB of spaces). */
export function buildDocx(documentXml: Uint8Array, declaredSize?: number): Uint8Array {
  return buildZip([
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: '_rels/.rels', data: Buffer.from(ROOT_RELS) },
    { name: 'word/document.xml', data: documentXml, ...(declaredSize === undefined ? {} : { declaredSize }) },
  ]);
}
