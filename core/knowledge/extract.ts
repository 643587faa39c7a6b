// Entry point of extraction: detect the kind, guard zip archives, run the format's parser, and only ever fail with an extraction error.
import type { Block, ExtractedDocument, FileKind } from './document-model.ts';
import { detectFileType } from './detect-type.ts';
import { CorruptFileError, EmptyDocumentError, FileTooComplexError, isExtractionError } from './extraction-errors.ts';
import { resolveLimits } from './extraction-limits.ts';
import type { ExtractionLimits } from './extraction-limits.ts';
import { extractCsv } from './formats/csv.ts';
import { extractDoc } from './formats/doc.ts';
import { extractDocx } from './formats/docx.ts';
import { extractHtml } from './formats/html.ts';
import { extractPdf } from './formats/pdf.ts';
import { extractMarkdown, extractPlainText } from './formats/text.ts';
import { extractXls } from './formats/xls.ts';
import { extractXlsx } from './formats/xlsx.ts';
import { assertZipWithinLimits } from './zip-archive.ts';

export type { Block, ExtractedDocument, FileKind } from './document-model.ts';

/**
 * Runs the format's parser. The parser libraries themselves (pdf.js, exceljs, mammoth, ...) are
 * imported inside each format module on first use: together they cost about half a second to load,
 * which no process should pay at start-up.
 */
async function parse(kind: FileKind, bytes: Uint8Array, limits: ExtractionLimits): Promise<Block[]> {
  switch (kind) {
    case 'pdf':
      return extractPdf(bytes);
    case 'docx':
      await assertZipWithinLimits(bytes, limits);
      return extractDocx(bytes, limits.maxRows);
    case 'xlsx':
      await assertZipWithinLimits(bytes, limits);
      return extractXlsx(bytes, limits.maxRows);
    case 'doc':
      return extractDoc(bytes);
    case 'xls':
      return extractXls(bytes, limits);
    case 'csv':
      return extractCsv(bytes, limits.maxRows);
    case 'html':
      return extractHtml(bytes, limits.maxRows);
    case 'md':
      return extractMarkdown(bytes);
    case 'txt':
      return extractPlainText(bytes);
  }
}

/**
 * Rejects after `ms` so a caller is never left waiting on a parser. The .xls worker is really stopped
 * at its own deadline; a parser running on this thread (pdf.js, mammoth, exceljs) cannot be pre-empted,
 * which is why the zip guard and the row cap bound their work up front.
 */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new FileTooComplexError(
            'Reading this file took too long. Split it into smaller files and upload them again.',
          ),
        ),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Extracts structured text from an uploaded knowledge file. Throws only UnsupportedFileError,
 * CorruptFileError, EmptyDocumentError or FileTooComplexError (any other parser failure becomes a
 * CorruptFileError with the original as `cause`).
 */
export async function extractDocument(
  bytes: Uint8Array,
  fileName: string,
  options: { limits?: Partial<ExtractionLimits> } = {},
): Promise<ExtractedDocument> {
  const limits = resolveLimits(options.limits);
  if (bytes.byteLength === 0) throw new EmptyDocumentError('This file is empty (0 bytes). Upload the file again.');
  try {
    const type = await detectFileType(bytes, fileName);
    const blocks = (await withDeadline(parse(type, bytes, limits), limits.timeoutMs)).filter(
      (block) => block.text.trim() !== '',
    );
    if (blocks.length === 0) throw new EmptyDocumentError();
    return { type, blocks };
  } catch (error) {
    if (isExtractionError(error)) throw error;
    throw new CorruptFileError(undefined, { cause: error });
  }
}
