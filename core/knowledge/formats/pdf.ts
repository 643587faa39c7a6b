// PDF through unpdf (pdf.js, eval disabled): text items are grouped into lines and paragraphs; clearly larger lines become headings.
import type { getDocumentProxy } from 'unpdf';
import type { Block } from '../document-model.ts';
import { CorruptFileError, EmptyDocumentError, limitExceeded } from '../extraction-errors.ts';
import type { ExtractionLimits } from '../extraction-limits.ts';
import { lazyImport } from '../lazy-import.ts';
import { TextBudget } from '../text-budget.ts';
import { cleanInline } from './clean-text.ts';
import { assertPdfStreamsWithinLimits } from './pdf-streams.ts';

// pdf.js is large: loaded on first use, not at process start.
const loadUnpdf = lazyImport(() => import('unpdf'));

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** What the layout below needs of a pdf.js text item: its text, baseline, font size and line end. */
interface TextItem {
  str: string;
  y: number;
  fontSize: number;
  hasEOL: boolean;
}

interface Line {
  text: string;
  size: number;
  y: number;
  page: number;
}

const NO_TEXT_MESSAGE =
  'This PDF has no text layer (it may be a scan or a photo). Upload a PDF with selectable text, or a Word file with the same content.';

type Unpdf = typeof import('unpdf');

async function openPdf(unpdf: Unpdf, bytes: Uint8Array): Promise<PdfDocument> {
  try {
    // pdf.js takes ownership of (and may detach) the buffer it is given: hand it a copy.
    return await unpdf.getDocumentProxy(new Uint8Array(bytes), {
      isEvalSupported: false,
      disableFontFace: true,
      verbosity: 0,
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'PasswordException') {
      throw new CorruptFileError(
        'This PDF is password-protected. Remove the password, save it again and upload the new copy.',
        { cause: error },
      );
    }
    throw new CorruptFileError(undefined, { cause: error });
  }
}

/** Items in content order; a new line starts after an item flagged end-of-line or when the baseline moves. */
function toLines(pages: TextItem[][]): Line[] {
  const lines: Line[] = [];
  pages.forEach((items, page) => {
    let current: Line | undefined;
    for (const item of items) {
      if (current !== undefined && Math.abs(item.y - current.y) > Math.max(2, current.size * 0.5)) {
        lines.push(current);
        current = undefined;
      }
      current ??= { text: '', size: 0, y: item.y, page };
      current.text += item.str;
      if (item.str.trim() !== '') current.size = Math.max(current.size, item.fontSize);
      if (item.hasEOL) {
        lines.push(current);
        current = undefined;
      }
    }
    if (current !== undefined) lines.push(current);
  });
  return lines.map((line) => ({ ...line, text: cleanInline(line.text) })).filter((line) => line.text !== '');
}

/** The font size that carries the most characters: the body text. */
function bodySize(lines: readonly Line[]): number {
  const weight = new Map<number, number>();
  for (const line of lines) {
    const size = Math.round(line.size * 2) / 2;
    weight.set(size, (weight.get(size) ?? 0) + line.text.length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, total] of weight) {
    if (total > bestWeight) [best, bestWeight] = [size, total];
  }
  return best;
}

/**
 * Lines at least 15% larger than the body and short enough to be a title become headings (the largest
 * size is level 1); consecutive body lines join into a paragraph until a vertical gap wider than about
 * one and a half lines, a page break or a heading.
 */
function toBlocks(lines: readonly Line[]): Block[] {
  const body = bodySize(lines);
  const headingSizes = [
    ...new Set(lines.filter((line) => isHeading(line, body)).map((line) => Math.round(line.size))),
  ].sort((a, b) => b - a);
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let previous: Line | undefined;
  const flush = (): void => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
    paragraph = [];
  };
  for (const line of lines) {
    if (isHeading(line, body)) {
      flush();
      blocks.push({
        kind: 'heading',
        level: Math.min(6, headingSizes.indexOf(Math.round(line.size)) + 1),
        text: line.text,
      });
      previous = undefined;
      continue;
    }
    const gap = previous === undefined || previous.page !== line.page ? Infinity : previous.y - line.y;
    if (previous === undefined || gap > line.size * 1.8 || gap < 0) flush();
    paragraph.push(line.text);
    previous = line;
  }
  flush();
  return blocks;
}

function isHeading(line: Line, body: number): boolean {
  return body > 0 && line.size >= body * 1.15 && line.text.length <= 150;
}

/** A page's text items (pdf.js gives the font size as the scale of the item's transform). */
async function pageItems(pdf: PdfDocument, pageNumber: number): Promise<TextItem[]> {
  const page = await pdf.getPage(pageNumber);
  const content = await page.getTextContent();
  const items: TextItem[] = [];
  for (const item of content.items) {
    if (!('str' in item)) continue;
    const [, , c = 0, d = 0, , f = 0] = item.transform as number[];
    items.push({ str: item.str, y: f, fontSize: Math.hypot(c, d), hasEOL: item.hasEOL });
  }
  page.cleanup();
  return items;
}

/**
 * Pages are read one at a time and their characters counted, so a PDF past the text budget stops being
 * read there; a PDF of more pages than allowed is refused before its first page is read.
 */
export async function extractPdf(bytes: Uint8Array, limits: ExtractionLimits): Promise<Block[]> {
  await assertPdfStreamsWithinLimits(bytes, limits.maxUncompressedBytes);
  const unpdf = await loadUnpdf();
  const pdf = await openPdf(unpdf, bytes);
  try {
    if (pdf.numPages > limits.maxPages) throw limitExceeded.pages(pdf.numPages, limits.maxPages);
    const budget = new TextBudget(limits.maxTextChars);
    const pages: TextItem[][] = [];
    for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber += 1) {
      let items: TextItem[];
      try {
        items = await pageItems(pdf, pageNumber);
      } catch (error) {
        throw new CorruptFileError(undefined, { cause: error });
      }
      budget.take(items.reduce((sum, item) => sum + item.str.length, 0));
      pages.push(items);
    }
    const blocks = toBlocks(toLines(pages));
    if (blocks.length === 0) throw new EmptyDocumentError(NO_TEXT_MESSAGE);
    return blocks;
  } finally {
    await pdf.destroy();
  }
}
