// Why a knowledge file could not be turned into text; each class carries the HTTP status the API answers with.
import { DomainError } from '../errors.ts';

type ErrorOptions = { cause?: unknown };

/**
 * Thrown when the file is not one of the supported formats (pdf, doc, docx, xls, xlsx, txt, md, csv, html),
 * or when its content contradicts its name (a program renamed `.pdf`, a spreadsheet renamed `.docx`).
 * The API answers 415.
 */
export class UnsupportedFileError extends DomainError {
  readonly status = 415;
  readonly code = 'unsupported_file';
  constructor(
    message = 'This file type is not supported. Upload a PDF, Word (.doc, .docx), Excel (.xls, .xlsx), CSV, text, Markdown or HTML file.',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown when the file claims a supported format but its parser cannot read it: truncated or damaged
 * files, broken archives, password-protected documents. The API answers 422.
 */
export class CorruptFileError extends DomainError {
  readonly status = 422;
  readonly code = 'corrupt_file';
  constructor(
    message = 'This file could not be read; it may be damaged or incomplete. Open it on your computer, save it again and upload the new copy.',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown when the file was read but holds no text to answer from: an empty file, a PDF without a text
 * layer (a scan or photo), a spreadsheet with no filled cells. The API answers 422.
 */
export class EmptyDocumentError extends DomainError {
  readonly status = 422;
  readonly code = 'empty_document';
  constructor(
    message = 'This file contains no text the assistant could use. Check that it is the right file and upload it again.',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Which ceiling of extraction-limits.ts a file went past. */
export type ExceededLimit = 'unpacked' | 'entries' | 'rows' | 'pages' | 'text' | 'time' | 'memory';

/**
 * Thrown when reading the file would cost more than the limits allow: an archive that unpacks to far
 * more than its size (a "zip bomb"), too many rows, pages, entries or characters, or a reading that runs
 * out of time or memory. `limit` says which. The API answers 422 (the upload itself was within the
 * size limit; its content is not).
 */
export class FileTooComplexError extends DomainError {
  readonly status = 422;
  readonly code = 'file_too_complex';
  readonly limit: ExceededLimit | undefined;
  constructor(
    message = 'This file is too large or too complex to process. Split it into smaller files and upload them separately.',
    options?: ErrorOptions & { limit?: ExceededLimit },
  ) {
    super(message, options);
    this.limit = options?.limit;
  }
}

const count = (value: number): string => value.toLocaleString('en-US');

/** The owner's message for each limit: which one the file went past, and what to do about it. */
export const limitExceeded = {
  text: (max: number) =>
    new FileTooComplexError(
      `This file holds more than ${count(max)} characters of text, more than the assistant takes from one file. Split it into smaller files (for example, one per chapter or price list) and upload them separately.`,
      { limit: 'text' },
    ),
  pages: (pages: number, max: number) =>
    new FileTooComplexError(
      `This PDF has ${count(pages)} pages; the assistant takes at most ${count(max)} pages from one file. Split it into smaller PDFs and upload them separately.`,
      { limit: 'pages' },
    ),
  rows: (max: number) =>
    new FileTooComplexError(
      `This file has more than ${count(max)} rows, more than the assistant can take from one file. Split it into smaller files.`,
      { limit: 'rows' },
    ),
  entries: (entries: number) =>
    new FileTooComplexError(`This file contains too many parts (${count(entries)}); split it into smaller files.`, {
      limit: 'entries',
    }),
  unpackedArchive: () =>
    new FileTooComplexError(
      'This file unpacks to far more data than a document of its size should (it may be a "zip bomb"). Save it again without embedded files, or split it, and upload it again.',
      { limit: 'unpacked' },
    ),
  unpackedPdf: (maxBytes: number) =>
    new FileTooComplexError(
      `This PDF unpacks to more than ${count(Math.round(maxBytes / 1024 / 1024))} MB of data, far more than a document of its size should. Export it again as PDF (for example "Print → Save as PDF"), or split it, and upload it again.`,
      { limit: 'unpacked' },
    ),
  time: (timeoutMs: number, cause?: unknown) =>
    new FileTooComplexError(
      `Reading this file took longer than ${count(Math.round(timeoutMs / 1000))} seconds, the limit for one file. Split it into smaller files, or export it in a simpler format (a spreadsheet as CSV, a document as PDF), and upload it again.`,
      { limit: 'time', cause },
    ),
  memory: (memoryMb: number, cause?: unknown) =>
    new FileTooComplexError(
      `Reading this file needed more than ${count(memoryMb)} MB of memory, the limit for one file. Split it into smaller files, or export it in a simpler format (a spreadsheet as CSV, a document as PDF), and upload it again.`,
      { limit: 'memory', cause },
    ),
};

/** Any of the four above: what `extractDocument` promises to throw instead of a parser's own error. */
export type ExtractionError = UnsupportedFileError | CorruptFileError | EmptyDocumentError | FileTooComplexError;

export function isExtractionError(error: unknown): error is ExtractionError {
  return (
    error instanceof UnsupportedFileError ||
    error instanceof CorruptFileError ||
    error instanceof EmptyDocumentError ||
    error instanceof FileTooComplexError
  );
}
