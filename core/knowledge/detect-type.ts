// Decides a file's kind from its name AND its bytes; a file whose content contradicts its name is refused.
import { Buffer } from 'node:buffer';
import type { FileKind } from './document-model.ts';
import { CorruptFileError, UnsupportedFileError } from './extraction-errors.ts';
import { DEFAULT_LIMITS } from './extraction-limits.ts';
import { utf16Encoding } from './formats/decode-text.ts';
import { lazyImport } from './lazy-import.ts';
import { listZipEntries } from './zip-archive.ts';

// file-type costs ~0.1 s to load: imported on first use, not at process start.
const loadFileType = lazyImport(() => import('file-type'));

const KIND_BY_EXTENSION: Readonly<Record<string, FileKind>> = {
  pdf: 'pdf',
  doc: 'doc',
  docx: 'docx',
  xls: 'xls',
  xlsx: 'xlsx',
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  csv: 'csv',
  html: 'html',
  htm: 'html',
};

const TEXT_KINDS: ReadonlySet<FileKind> = new Set(['txt', 'md', 'csv', 'html']);

/** Binary signatures that can never be a text file, even when the bytes happen to be printable. */
const NEVER_TEXT = new Set([
  'pdf',
  'zip',
  'docx',
  'xlsx',
  'pptx',
  'odt',
  'ods',
  'odp',
  'epub',
  'jar',
  'apk',
  'cfb',
  'exe',
  'elf',
  'macho',
  'wasm',
  'class',
  'png',
  'jpg',
  'gif',
  'webp',
  'rar',
  '7z',
  'gz',
  'bz2',
  'xz',
  'zst',
  'sqlite',
]);

function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Looks like text: no NUL bytes and almost no C0 control characters (other than tab, CR, LF, FF) in the first 64 KB. */
function looksLikeText(bytes: Uint8Array): boolean {
  if (utf16Encoding(bytes) !== undefined) return true;
  const sample = bytes.subarray(0, 65_536);
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) return false;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) controls += 1;
  }
  return controls <= sample.length / 100;
}

function utf16le(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}

/**
 * An OLE2 container (legacy Office) names its streams in UTF-16LE in its directory: enough to tell Word
 * from Excel from PowerPoint. No known stream name at all means the directory is missing: a broken file.
 */
function oleKind(bytes: Uint8Array): 'doc' | 'xls' | 'encrypted' | 'other' | 'unreadable' {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.includes(utf16le('EncryptedPackage'))) return 'encrypted';
  if (buffer.includes(utf16le('WordDocument'))) return 'doc';
  if (buffer.includes(utf16le('Workbook')) || buffer.includes(utf16le('Book'))) return 'xls';
  if (buffer.includes(utf16le('Root Entry'))) return 'other';
  return 'unreadable';
}

async function zipKind(bytes: Uint8Array): Promise<'docx' | 'xlsx' | undefined> {
  const names = (await listZipEntries(bytes, DEFAULT_LIMITS.maxZipEntries)).map((entry) => entry.name);
  if (!names.includes('[Content_Types].xml')) return undefined;
  if (names.some((name) => name.startsWith('word/'))) return 'docx';
  if (names.some((name) => name.startsWith('xl/'))) return 'xlsx';
  return undefined;
}

function mismatch(fileName: string, named: FileKind): UnsupportedFileError {
  return new UnsupportedFileError(
    `"${fileName}" is named like a .${named} file, but its content is something else. Upload the original document in one of the supported formats.`,
  );
}

const WORD_KINDS: ReadonlySet<FileKind> = new Set(['doc', 'docx']);
const SHEET_KINDS: ReadonlySet<FileKind> = new Set(['xls', 'xlsx']);

/** Word stays Word, Excel stays Excel: a .docx saved as .doc (a common rename) is read by what it really is. */
function sameFamily(named: FileKind, actual: FileKind): boolean {
  return (
    named === actual ||
    (WORD_KINDS.has(named) && WORD_KINDS.has(actual)) ||
    (SHEET_KINDS.has(named) && SHEET_KINDS.has(actual))
  );
}

/**
 * The kind to parse `bytes` as. Throws UnsupportedFileError for an unknown extension or a contradiction
 * between name and content, and CorruptFileError for an office archive that cannot be opened at all
 * or is password-protected. Zero-byte files are the caller's concern (they carry no evidence either way).
 */
export async function detectFileType(bytes: Uint8Array, fileName: string): Promise<FileKind> {
  const named = KIND_BY_EXTENSION[extensionOf(fileName)];
  if (named === undefined) throw new UnsupportedFileError();
  const { fileTypeFromBuffer } = await loadFileType();
  const sniffed = await fileTypeFromBuffer(bytes);

  if (TEXT_KINDS.has(named)) {
    const binary = sniffed !== undefined && NEVER_TEXT.has(sniffed.ext);
    if (binary || !looksLikeText(bytes)) throw mismatch(fileName, named);
    return named;
  }

  let actual: FileKind | undefined;
  if (sniffed?.ext === 'pdf') actual = 'pdf';
  else if (sniffed?.ext === 'zip' || sniffed?.ext === 'docx' || sniffed?.ext === 'xlsx') {
    if (!WORD_KINDS.has(named) && !SHEET_KINDS.has(named)) throw mismatch(fileName, named);
    actual = await zipKind(bytes);
  } else if (sniffed?.ext === 'cfb') {
    const ole = oleKind(bytes);
    if (ole === 'encrypted') {
      throw new CorruptFileError(
        'This document is password-protected. Remove the password, save it again and upload the new copy.',
      );
    }
    if (ole === 'unreadable' && (WORD_KINDS.has(named) || SHEET_KINDS.has(named))) throw new CorruptFileError();
    if (ole === 'doc' || ole === 'xls') actual = ole;
  }
  if (actual === undefined || !sameFamily(named, actual)) throw mismatch(fileName, named);
  return actual;
}
