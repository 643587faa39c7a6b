// Turns the bytes of a text file into a string: UTF-8 (with or without BOM), UTF-16LE/BE, or Windows-1251 when it is not valid UTF-8.
import { Buffer } from 'node:buffer';
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
}

/**
 * BOM-less UTF-16: the high byte of each code unit is almost always 0x00 (Latin, digits, punctuation)
 * or 0x04 (Cyrillic), while the low bytes vary. Which half of each pair is the high byte gives LE or BE.
 */
function guessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096) & ~1);
  if (sample.length < 4) return undefined;
  const isHigh = (byte: number | undefined): boolean => byte === 0x00 || byte === 0x04;
  let evenHigh = 0;
  let oddHigh = 0;
  let zeros = 0;
  for (let index = 0; index < sample.length; index += 2) {
    if (isHigh(sample[index])) evenHigh += 1;
    if (isHigh(sample[index + 1])) oddHigh += 1;
    if (sample[index] === 0 || sample[index + 1] === 0) zeros += 1;
  }
  const pairs = sample.length / 2;
  if (zeros < pairs / 10) return undefined; // spaces and line breaks put zero bytes in any real UTF-16 text
  if (oddHigh > pairs * 0.9 && evenHigh < pairs / 2) return 'utf-16le';
  if (evenHigh > pairs * 0.9 && oddHigh < pairs / 2) return 'utf-16be';
  return undefined;
}

/** UTF-16 by BOM, or by the pattern of zero bytes when there is no BOM; undefined for anything else. */
export function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return guessUtf16(bytes);
}

function decodeWith(encoding: TextEncoding, bytes: Uint8Array): string {
  if (encoding === 'windows-1251')
    return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'win1251');
  return new TextDecoder(encoding, { ignoreBOM: false }).decode(bytes);
}

/**
 * Picks the encoding by BOM first, then BOM-less UTF-16 by its zero bytes, then strict UTF-8; anything
 * that is not valid UTF-8 is read as Windows-1251, the usual legacy encoding of Russian and Ukrainian
 * text (Latin-only legacy files decode the same in it for the ASCII range).
 */
export function detectEncoding(bytes: Uint8Array): TextEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  const utf16 = utf16Encoding(bytes);
  if (utf16 !== undefined) return utf16;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1251';
  }
}

/** Decodes and normalises line endings to "\n" (the BOM, if any, is dropped). */
export function decodeText(bytes: Uint8Array): DecodedText {
  const encoding = detectEncoding(bytes);
  const text = decodeWith(encoding, bytes)
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n');
  return { text, encoding };
}
