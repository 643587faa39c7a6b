// Cuts an extracted document into retrievable chunks that follow its structure: headings, packed paragraphs, whole rows.
import type { Block, Chunk, ExtractedDocument } from './document-model.ts';
import { splitToFit, tailWithin } from './sentences.ts';
import { estimateTokens } from './token-estimate.ts';

export type { Chunk } from './document-model.ts';
export { estimateTokens } from './token-estimate.ts';

export interface ChunkOptions {
  /** Target ceiling per chunk (default 300). Only a single spreadsheet row longer than this exceeds it, as rows are never split. */
  maxTokens?: number;
  /** Tail of the previous chunk repeated at the start of the next, between consecutive paragraph chunks of one section (default 40). */
  overlapTokens?: number;
}

export const DEFAULT_MAX_TOKENS = 300;
export const DEFAULT_OVERLAP_TOKENS = 40;

interface Part {
  text: string;
  /** Parts of one paragraph join with a space, different paragraphs with a blank line, rows with a line break. */
  paragraph: number;
}

class ChunkBuilder {
  readonly chunks: Chunk[] = [];
  private headings: { level: number; text: string }[] = [];
  private parts: Part[] = [];
  private mode: 'text' | 'rows' | undefined;
  private path: string[] = [];
  private paragraphCount = 0;

  constructor(
    private readonly maxTokens: number,
    private readonly overlapTokens: number,
  ) {}

  heading(level: number, text: string): void {
    this.flush();
    this.headings = this.headings.filter((heading) => heading.level < level);
    this.headings.push({ level, text });
  }

  paragraph(text: string): void {
    const paragraph = this.paragraphCount++;
    if (this.mode !== 'text') this.flush();
    this.mode = 'text';
    this.path = this.headingPath();
    for (const piece of splitToFit(text, this.maxTokens)) {
      const part = { text: piece, paragraph };
      if (this.parts.length > 0 && this.tokensWith(part) > this.maxTokens) this.flushWithOverlap(part);
      else this.parts.push(part);
    }
  }

  row(text: string, sheet: string | undefined): void {
    const path = sheet === undefined ? this.headingPath() : [...this.headingPath(), sheet];
    const part = { text, paragraph: this.paragraphCount++ };
    const samePath = path.length === this.path.length && path.every((name, index) => name === this.path[index]);
    if (this.mode !== 'rows' || !samePath || this.tokensWith(part) > this.maxTokens) this.flush();
    this.mode = 'rows';
    this.path = path;
    this.parts.push(part);
  }

  /** Closes the current chunk, if it has anything in it. */
  flush(): void {
    const text = this.render(this.parts);
    if (text.trim() !== '') {
      this.chunks.push({
        position: this.chunks.length,
        text,
        headingPath: [...this.path],
        tokenCount: estimateTokens(text),
      });
    }
    this.parts = [];
    this.mode = undefined;
  }

  private flushWithOverlap(next: Part): void {
    const last = this.parts.at(-1);
    const previousText = this.render(this.parts);
    const mode = this.mode;
    this.flush();
    this.mode = mode;
    if (last !== undefined) {
      const overlap = { text: tailWithin(previousText, this.overlapTokens), paragraph: last.paragraph };
      if (overlap.text !== '' && this.tokensWith(next, [overlap]) <= this.maxTokens) this.parts.push(overlap);
    }
    this.parts.push(next);
  }

  private headingPath(): string[] {
    return this.headings.map((heading) => heading.text);
  }

  private tokensWith(part: Part, base: readonly Part[] = this.parts): number {
    return estimateTokens(this.render([...base, part]));
  }

  private render(parts: readonly Part[]): string {
    const separatorBefore = (part: Part, previous: Part): string => {
      if (this.mode === 'rows') return '\n';
      return part.paragraph === previous.paragraph ? ' ' : '\n\n';
    };
    return parts
      .map((part, index) =>
        index === 0 ? part.text : `${separatorBefore(part, parts[index - 1] ?? part)}${part.text}`,
      )
      .join('');
  }
}

function addBlock(builder: ChunkBuilder, block: Block): void {
  const text = block.text.trim();
  if (text === '') return;
  if (block.kind === 'heading') builder.heading(block.level, text);
  else if (block.kind === 'paragraph') builder.paragraph(text);
  else builder.row(text, block.sheet);
}

/**
 * Chunks follow the document: a heading closes the current chunk and updates the heading path;
 * paragraphs are packed up to `maxTokens` (one longer than that is split at sentence boundaries), and
 * consecutive paragraph chunks of a section share an overlap of about `overlapTokens` (the last
 * sentences of the previous chunk); rows are packed several per chunk, never split and never
 * overlapped, and their path ends with the sheet name. Token counts are estimates (see token-estimate.ts).
 * A document of headings only yields one chunk of those headings; no chunk is ever empty.
 */
export function chunkDocument(doc: ExtractedDocument, opts: ChunkOptions = {}): Chunk[] {
  const maxTokens = Math.max(10, Math.floor(opts.maxTokens ?? DEFAULT_MAX_TOKENS));
  const overlapTokens = Math.max(
    0,
    Math.min(Math.floor(opts.overlapTokens ?? DEFAULT_OVERLAP_TOKENS), Math.floor(maxTokens / 2)),
  );
  const builder = new ChunkBuilder(maxTokens, overlapTokens);
  for (const block of doc.blocks) addBlock(builder, block);
  builder.flush();
  if (builder.chunks.length > 0) return builder.chunks;
  const headings = doc.blocks
    .filter((block) => block.kind === 'heading')
    .map((block) => block.text.trim())
    .filter((text) => text !== '');
  if (headings.length === 0) return [];
  for (const text of headings) builder.paragraph(text);
  builder.flush();
  return builder.chunks;
}
