// Reads a zip's central directory (entry names, sizes) and proves its real unpacked size is within limits before any parser inflates it.
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { Entry, ZipFile } from 'yauzl';
import { CorruptFileError, FileTooComplexError } from './extraction-errors.ts';
import type { ExtractionLimits } from './extraction-limits.ts';
import { lazyImport } from './lazy-import.ts';

const loadYauzl = lazyImport(() => import('yauzl'));

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
    throw new FileTooComplexError(
      `This file contains too many parts (${zip.entryCount}); split it into smaller files.`,
    );
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

async function drainEntry(zip: ZipFile, entry: Entry, budget: { remaining: number }): Promise<void> {
  if (entry.isEncrypted()) throw new CorruptFileError(PASSWORD_MESSAGE);
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    throw new CorruptFileError(undefined, { cause: error });
  }
  try {
    for await (const piece of stream) {
      budget.remaining -= (piece as Buffer).length;
      if (budget.remaining < 0) throw new FileTooComplexError(tooBigMessage());
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof FileTooComplexError) throw error;
    throw new CorruptFileError(undefined, { cause: error });
  }
}

function tooBigMessage(): string {
  return 'This file unpacks to far more data than a document of its size should (it may be a "zip bomb"). Save it again without embedded files, or split it, and upload it again.';
}

/**
 * Refuses a zip whose entries unpack to more than `maxUncompressedBytes` in total. The declared sizes
 * are checked first (cheap); then every entry is inflated into nothing, counting bytes, because a
 * hostile archive can declare small sizes and inflate to gigabytes (yauzl fails such an entry as soon
 * as it passes its declared size, so this pass is bounded by the limit too).
 */
export async function assertZipWithinLimits(bytes: Uint8Array, limits: ExtractionLimits): Promise<void> {
  const zip = await openZip(bytes);
  const entries = await readEntries(zip, limits.maxZipEntries);
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  try {
    if (declared > limits.maxUncompressedBytes) throw new FileTooComplexError(tooBigMessage());
    const budget = { remaining: limits.maxUncompressedBytes };
    for (const entry of entries) await drainEntry(zip, entry, budget);
  } finally {
    zip.close();
  }
}
