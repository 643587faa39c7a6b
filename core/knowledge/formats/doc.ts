// Legacy Word .doc through word-extractor: body text, one paragraph block per paragraph (the format's styles are not exposed, so no headings).
import { Buffer } from 'node:buffer';
import type { Block } from '../document-model.ts';
import { CorruptFileError } from '../extraction-errors.ts';
import { lazyImport } from '../lazy-import.ts';
import { cleanMultiline } from './clean-text.ts';

const loadWordExtractor = lazyImport(() => import('word-extractor'));

export async function extractDoc(bytes: Uint8Array): Promise<Block[]> {
  const { default: WordExtractor } = await loadWordExtractor();
  let body: string;
  try {
    const document = await new WordExtractor().extract(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    body = document.getBody();
  } catch (error) {
    throw new CorruptFileError(undefined, { cause: error });
  }
  // word-extractor ends each paragraph with "\n"; a table cell/row mark becomes "\t"/"\n" as well.
  return body
    .split('\n')
    .map((line) => cleanMultiline(line.replace(/\t/g, ' ')))
    .filter((line) => line !== '')
    .map((text) => ({ kind: 'paragraph', text }));
}
