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

/**
 * Thrown when reading the file would cost more than the limits allow: an archive that unpacks to far
 * more than its size (a "zip bomb"), too many rows or entries, or a parser that runs out of time or
 * memory. The API answers 422 (the upload itself was within the size limit; its content is not).
 */
export class FileTooComplexError extends DomainError {
  readonly status = 422;
  readonly code = 'file_too_complex';
  constructor(
    message = 'This file is too large or too complex to process. Split it into smaller files and upload them separately.',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

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
