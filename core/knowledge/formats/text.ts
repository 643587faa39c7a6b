// Plain text and Markdown: paragraphs split at blank lines; Markdown "#" headings (outside code fences) become heading blocks.
import type { Block } from '../document-model.ts';
import { cleanInline, cleanMultiline } from './clean-text.ts';
import { decodeText } from './decode-text.ts';

function paragraphsOf(text: string): Block[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((part) => cleanMultiline(part))
    .filter((part) => part !== '')
    .map((part) => ({ kind: 'paragraph', text: part }));
}

/** A .txt file: one paragraph per blank-line-separated run of lines; single line breaks are kept inside it. */
export function extractPlainText(bytes: Uint8Array): Block[] {
  return paragraphsOf(decodeText(bytes).text);
}

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$/;
const FENCE = /^ {0,3}(```|~~~)/;

/** Drops the Markdown markup that carries no meaning for an answer: emphasis, inline code ticks, link targets, images. */
function stripInlineMarkdown(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1');
}

/** A .md file: ATX headings ("## Prices") are headings; everything else is paragraph text, code blocks verbatim. */
export function extractMarkdown(bytes: Uint8Array): Block[] {
  const blocks: Block[] = [];
  let pending: string[] = [];
  let inFence = false;
  const flush = (): void => {
    blocks.push(...paragraphsOf(stripInlineMarkdown(pending.join('\n'))));
    pending = [];
  };
  for (const line of decodeText(bytes).text.split('\n')) {
    if (FENCE.test(line)) {
      inFence = !inFence;
      continue;
    }
    const heading = inFence ? null : ATX_HEADING.exec(line);
    if (heading === null) {
      pending.push(line);
      continue;
    }
    flush();
    const text = cleanInline(stripInlineMarkdown(heading[2] ?? ''));
    if (text !== '') blocks.push({ kind: 'heading', level: (heading[1] ?? '#').length, text });
  }
  flush();
  return blocks;
}
