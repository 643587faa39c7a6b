// Extraction itself: detect the kind, guard archives and PDFs, run the format's parser, count the text, and only
// ever fail with an extraction error. It runs inside the thread file-reader.ts starts for each file, which is
// what enforces the time and memory limits; the rest of the product reads files through file-reader.ts.
import type { Block, ExtractedDocument, FileKind } from './document-model.ts';
import { detectFileType } from './detect-type.ts';
import { CorruptFileError, EmptyDocumentError, isExtractionError } from './extraction-errors.ts';
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
import { TextBudget } from './text-budget.ts';
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
      return extractPdf(bytes, limits);
    case 'docx':
      await assertZipWithinLimits(bytes, limits);
      return extractDocx(bytes, limits.maxRows);
    case 'xlsx':
      await assertZipWithinLimits(bytes, limits);
      return extractXlsx(bytes, limits.maxRows);
    case 'doc':
      return extractDoc(bytes);
    case 'xls':
      return extractXls(bytes, limits.maxRows);
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
 * Extracts structured text from an uploaded knowledge file. Throws only UnsupportedFileError,
 * CorruptFileError, EmptyDocumentError or FileTooComplexError (any other parser failure becomes a
 * CorruptFileError with the original as `cause`). The formats that can stop early (PDF pages, Office
 * parts, rows) stop at the text budget; every file's text is counted against it at the end as well.
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
    const blocks = (await parse(type, bytes, limits)).filter((block) => block.text.trim() !== '');
    if (blocks.length === 0) throw new EmptyDocumentError();
    const budget = new TextBudget(limits.maxTextChars);
    for (const block of blocks) budget.take(block.text.length);
    return { type, blocks };
  } catch (error) {
    if (isExtractionError(error)) throw error;
    throw new CorruptFileError(undefined, { cause: error });
  }
}
