// HTML to blocks with htmlparser2: page chrome (script, style, nav, banner header/footer) is dropped, h1-h6 become headings, tables become rows.
import type { Block } from '../document-model.ts';
import { cleanInline, cleanMultiline } from './clean-text.ts';
import { decodeText } from './decode-text.ts';
import { lazyImport } from '../lazy-import.ts';
import { RowBudget, sheetToBlocks } from './spreadsheet-rows.ts';

const loadHtmlParser = lazyImport(() => import('htmlparser2'));

/** Never content: code, styling, navigation, embedded objects and form controls. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'nav',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'canvas',
  'select',
  'button',
]);
/** Page chrome only when they belong to the page, not to an article or section (whose header holds its title). */
const PAGE_CHROME = new Set(['header', 'footer']);
const SECTIONING = new Set(['main', 'article', 'section']);
const SKIPPED_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'search']);
/** Elements whose start or end ends the running paragraph. */
const BLOCK_LEVEL = new Set([
  'p',
  'div',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'blockquote',
  'pre',
  'section',
  'article',
  'main',
  'aside',
  'address',
  'figure',
  'figcaption',
  'details',
  'summary',
  'hr',
  'form',
  'fieldset',
  'body',
  'header',
  'footer',
]);
const HEADING = /^h([1-6])$/;

interface OpenElement {
  name: string;
  skips: boolean;
}

class HtmlBlockCollector {
  readonly blocks: Block[] = [];
  private readonly stack: OpenElement[] = [];
  private skipping = 0;
  private sectioning = 0;
  private paragraph = '';
  private heading: { level: number; text: string } | undefined;
  private table: { depth: number; rows: string[][] } | undefined;

  constructor(private readonly budget: RowBudget) {}

  open(name: string, attributes: Record<string, string>): void {
    const hidden =
      'hidden' in attributes || attributes['aria-hidden'] === 'true' || SKIPPED_ROLES.has(attributes.role ?? '');
    const skips = SKIPPED.has(name) || hidden || (PAGE_CHROME.has(name) && this.sectioning === 0);
    this.stack.push({ name, skips });
    if (skips) this.skipping += 1;
    if (SECTIONING.has(name)) this.sectioning += 1;
    if (this.skipping > 0) return;
    this.startElement(name);
  }

  close(name: string): void {
    const element = this.stack.pop();
    if (element === undefined) return;
    if (SECTIONING.has(element.name)) this.sectioning -= 1;
    if (element.skips) {
      this.skipping -= 1;
      return;
    }
    if (this.skipping === 0) this.endElement(name);
  }

  text(text: string): void {
    if (this.skipping > 0) return;
    if (this.table !== undefined) {
      const row = this.table.rows.at(-1);
      if (row !== undefined && row.length > 0) row[row.length - 1] += text;
    } else if (this.heading !== undefined) this.heading.text += text;
    else this.paragraph += text;
  }

  finish(): Block[] {
    this.flushParagraph();
    return this.blocks;
  }

  private startElement(name: string): void {
    if (this.table !== undefined) {
      this.startInTable(name);
      return;
    }
    const heading = HEADING.exec(name);
    if (heading !== null) {
      this.flushParagraph();
      this.heading = { level: Number(heading[1]), text: '' };
    } else if (name === 'table') {
      this.flushParagraph();
      this.table = { depth: 1, rows: [] };
    } else if (name === 'br') this.paragraph += '\n';
    else if (BLOCK_LEVEL.has(name)) this.flushParagraph();
  }

  private startInTable(name: string): void {
    const table = this.table;
    if (table === undefined) return;
    if (name === 'table') table.depth += 1;
    if (table.depth > 1) {
      this.text(' ');
      return;
    }
    if (name === 'tr') table.rows.push([]);
    else if (name === 'td' || name === 'th') {
      if (table.rows.length === 0) table.rows.push([]);
      table.rows.at(-1)?.push('');
    } else this.text(' ');
  }

  private endElement(name: string): void {
    if (this.table !== undefined) {
      if (name === 'table') this.table.depth -= 1;
      if (this.table.depth === 0) {
        this.blocks.push(...sheetToBlocks({ rows: this.table.rows }, this.budget));
        this.table = undefined;
      } else this.text(' ');
      return;
    }
    if (this.heading !== undefined && HEADING.test(name)) {
      const text = cleanInline(this.heading.text);
      if (text !== '') this.blocks.push({ kind: 'heading', level: this.heading.level, text });
      this.heading = undefined;
    } else if (BLOCK_LEVEL.has(name)) this.flushParagraph();
  }

  private flushParagraph(): void {
    const text = cleanMultiline(this.paragraph);
    if (text !== '') this.blocks.push({ kind: 'paragraph', text });
    this.paragraph = '';
  }
}

/** Blocks from an HTML string (also the path for .docx, whose text mammoth renders as HTML). */
export async function htmlToBlocks(html: string, maxRows: number): Promise<Block[]> {
  const { Parser } = await loadHtmlParser();
  const collector = new HtmlBlockCollector(new RowBudget(maxRows));
  const parser = new Parser(
    {
      onopentag: (name, attributes) => collector.open(name, attributes),
      onclosetag: (name) => collector.close(name),
      ontext: (text) => collector.text(text),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return collector.finish();
}

export function extractHtml(bytes: Uint8Array, maxRows: number): Promise<Block[]> {
  return htmlToBlocks(decodeText(bytes).text, maxRows);
}
