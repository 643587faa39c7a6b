// .docx through mammoth (after the zip guard): rendered to HTML so Word's heading styles and tables survive as blocks.
import { Buffer } from 'node:buffer';
import type { Block } from '../document-model.ts';
import { CorruptFileError } from '../extraction-errors.ts';
import { lazyImport } from '../lazy-import.ts';
import { htmlToBlocks } from './html.ts';

const loadMammoth = lazyImport(() => import('mammoth'));

export async function extractDocx(bytes: Uint8Array, maxRows: number): Promise<Block[]> {
  const { default: mammoth } = await loadMammoth();
  // Pictures carry no text for the assistant; mammoth would otherwise inline each one as base64.
  const dropImages = mammoth.images.imgElement(async () => ({ src: '' }));
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: dropImages, ignoreEmptyParagraphs: true },
    );
    html = result.value;
  } catch (error) {
    throw new CorruptFileError(undefined, { cause: error });
  }
  return htmlToBlocks(html, maxRows);
}
