// Proves that a PDF's compressed streams unpack to no more than the limit before pdf.js inflates them.
// pdf.js keeps a stream's whole inflated data in memory outside the JavaScript heap, where the reading
// thread's heap limit does not reach: a 600 KB file whose one stream inflates to 600 MB cost 1.3 GB.
import { Buffer } from 'node:buffer';
import { constants, createInflate } from 'node:zlib';
import { limitExceeded } from '../extraction-errors.ts';

const STREAM = Buffer.from('stream', 'latin1');
const END_STREAM = Buffer.from('endstream', 'latin1');
const OBJ = Buffer.from('obj', 'latin1');
/** How far back from `stream` its dictionary is looked for. */
const DICTIONARY_WINDOW = 64 * 1024;

const isWhitespace = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x00;

/**
 * The data of every Flate-compressed stream that is not an image (images are never decoded to read
 * text). Found by the `stream` keyword after a dictionary's `>>` and the next `endstream`, not by
 * `/Length`, which a hostile file may get wrong.
 */
function* flateStreams(bytes: Buffer): Generator<Buffer> {
  let from = 0;
  for (;;) {
    const at = bytes.indexOf(STREAM, from);
    if (at < 0) return;
    from = at + STREAM.length;
    let back = at - 1;
    while (back >= 0 && isWhitespace(bytes[back])) back -= 1;
    if (back < 1 || bytes[back] !== 0x3e || bytes[back - 1] !== 0x3e) continue; // not after ">>": "endstream" or text
    let start = from;
    if (bytes[start] === 0x0d) start += 1;
    if (bytes[start] === 0x0a) start += 1;
    const end = bytes.indexOf(END_STREAM, start);
    if (end < 0) return; // cut short: pdf.js reads what there is, no more than the file holds
    from = end + END_STREAM.length;
    const objectStart = Math.max(0, bytes.lastIndexOf(OBJ, back), back - DICTIONARY_WINDOW);
    const dictionary = bytes.toString('latin1', objectStart, back + 1);
    if (!/\/(FlateDecode|Fl)\b/.test(dictionary) || /\/Subtype\s*\/Image\b/.test(dictionary)) continue;
    yield bytes.subarray(start, end);
  }
}

/** Inflates `data` into nothing, counting bytes against the budget; a damaged stream counts what it yielded. */
function drain(data: Buffer, budget: { remaining: number }, maxBytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const inflater = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    inflater.on('data', (piece: Buffer) => {
      budget.remaining -= piece.length;
      if (budget.remaining < 0) {
        inflater.destroy();
        settle(() => reject(limitExceeded.unpackedPdf(maxBytes)));
      }
    });
    inflater.on('end', () => settle(resolve));
    // pdf.js reads a damaged stream as far as it goes; what it yielded has been counted.
    inflater.on('error', () => settle(resolve));
    inflater.on('close', () => settle(resolve));
    inflater.end(data);
  });
}

/** Throws FileTooComplexError (limit "unpacked") when the PDF's streams unpack to more than `maxBytes` together. */
export async function assertPdfStreamsWithinLimits(bytes: Uint8Array, maxBytes: number): Promise<void> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const budget = { remaining: maxBytes };
  for (const data of flateStreams(buffer)) await drain(data, budget, maxBytes);
}
