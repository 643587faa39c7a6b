// Reads a zip's central directory (entry names, sizes) and proves, before any parser inflates it, that its real
// unpacked size, and the text and rows an Office file holds, are within limits.
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { Entry, ZipFile } from 'yauzl';
import { StringDecoder } from 'node:string_decoder';
import { CorruptFileError, FileTooComplexError, limitExceeded } from './extraction-errors.ts';
import type { ExtractionLimits } from './extraction-limits.ts';
import { lazyImport } from './lazy-import.ts';
import { TextBudget } from './text-budget.ts';

const loadYauzl = lazyImport(() => import('yauzl'));
const loadHtmlParser = lazyImport(() => import('htmlparser2'));

export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
}

const PASSWORD_MESSAGE = 'This file is password-protected. Remove the password, save it again and upload the new copy.';

async function openZip(bytes: Uint8Array): Promise<ZipFile> {
  const { default: yauzl } = await loadYauzl();
  try {
    // validateEntrySizes: a stream that inflates past its declared size fails instead of growing.
    return await yauzl.fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      lazyEntries: true,
      validateEntrySizes: true,
      strictFileNames: false,
      decodeStrings: true,
    });
  } catch (error) {
    throw new CorruptFileError(undefined, { cause: error });
  }
}

async function readEntries(zip: ZipFile, maxEntries: number): Promise<Entry[]> {
  if (zip.entryCount > maxEntries) {
    zip.close();
    throw limitExceeded.entries(zip.entryCount);
  }
  const entries: Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) entries.push(entry);
  } catch (error) {
    zip.close();
    throw new CorruptFileError(undefined, { cause: error });
  }
  return entries;
}

/** The entries named in the central directory; throws CorruptFileError when there is no readable one. */
export async function listZipEntries(bytes: Uint8Array, maxEntries: number): Promise<ZipEntryInfo[]> {
  const zip = await openZip(bytes);
  const entries = await readEntries(zip, maxEntries);
  zip.close();
  return entries.map((entry) => ({
    name: entry.fileName,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
  }));
}

/** Counts, while an Office part streams past, what the limits count: characters of text and spreadsheet rows. */
interface PartScanner {
  write(piece: Buffer): void;
  end(): void;
}

interface Budgets {
  text: TextBudget;
  rows: { take(): void };
}

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

/**
 * The text of a Word part (`w:t` runs), of a workbook's shared strings (`t`), and the rows of a
 * worksheet that hold a value: what mammoth and exceljs would build in memory, counted for a few bytes
 * each, so a file past the budget is refused before either parser builds anything.
 */
async function scannerFor(entryName: string, budgets: Budgets): Promise<PartScanner | undefined> {
  const isWordText = /^word\/[^/]+\.xml$/.test(entryName);
  const isSharedStrings = entryName === 'xl/sharedStrings.xml';
  const isSheet = /^xl\/worksheets\/[^/]+\.xml$/.test(entryName);
  if (!isWordText && !isSharedStrings && !isSheet) return undefined;
  const { Parser } = await loadHtmlParser();
  let inText = 0;
  let inValue = 0;
  let rowHasValue = false;
  const parser = new Parser(
    {
      onopentag(name) {
        const local = localName(name);
        if (local === 't') inText += 1;
        else if (local === 'v') inValue += 1;
        else if (local === 'row') rowHasValue = false;
      },
      onclosetag(name) {
        const local = localName(name);
        if (local === 't') inText -= 1;
        else if (local === 'v') inValue -= 1;
        else if (local === 'row' && isSheet && rowHasValue) budgets.rows.take();
      },
      ontext(text) {
        if (inText > 0) budgets.text.take(text.length);
        if ((inText > 0 || inValue > 0) && text.trim() !== '') rowHasValue = true;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  const decoder = new StringDecoder('utf8');
  return {
    write: (piece) => parser.write(decoder.write(piece)),
    end: () => parser.end(decoder.end()),
  };
}

async function drainEntry(zip: ZipFile, entry: Entry, budget: { remaining: number }, budgets: Budgets): Promise<void> {
  if (entry.isEncrypted()) throw new CorruptFileError(PASSWORD_MESSAGE);
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    throw new CorruptFileError(undefined, { cause: error });
  }
  const scanner = await scannerFor(entry.fileName, budgets);
  try {
    for await (const piece of stream) {
      budget.remaining -= (piece as Buffer).length;
      if (budget.remaining < 0) throw limitExceeded.unpackedArchive();
      scanner?.write(piece as Buffer);
    }
    scanner?.end();
  } catch (error) {
    stream.destroy();
    if (error instanceof FileTooComplexError) throw error;
    throw new CorruptFileError(undefined, { cause: error });
  }
}

/**
 * Refuses a zip whose entries unpack to more than `maxUncompressedBytes` in total, or whose Office parts
 * hold more text than `maxTextChars` or more rows than `maxRows`. The declared sizes are checked first
 * (cheap); then every entry is inflated into nothing, counting bytes (and, for Office parts, text and
 * rows), because a hostile archive can declare small sizes and inflate to gigabytes (yauzl fails such
 * an entry as soon as it passes its declared size, so this pass is bounded by the limit too).
 */
export async function assertZipWithinLimits(bytes: Uint8Array, limits: ExtractionLimits): Promise<void> {
  const zip = await openZip(bytes);
  const entries = await readEntries(zip, limits.maxZipEntries);
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  // Each worksheet's header row is not a data row: the row budget allows one per sheet on top.
  const sheets = entries.filter((entry) => /^xl\/worksheets\/[^/]+\.xml$/.test(entry.fileName)).length;
  let rows = 0;
  const budgets: Budgets = {
    text: new TextBudget(limits.maxTextChars),
    rows: {
      take() {
        rows += 1;
        if (rows > limits.maxRows + sheets) throw limitExceeded.rows(limits.maxRows);
      },
    },
  };
  try {
    if (declared > limits.maxUncompressedBytes) throw limitExceeded.unpackedArchive();
    const budget = { remaining: limits.maxUncompressedBytes };
    for (const entry of entries) await drainEntry(zip, entry, budget, budgets);
  } finally {
    zip.close();
  }
}
