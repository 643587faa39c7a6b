// A tokenizer-free token estimate, additive over text so chunk sizes can be tracked as parts are appended.

/**
 * Characters per token, by script. Our choice (documented, not measured per model): English averages
 * about 4 characters per token in OpenAI's tokenizers; Cyrillic packs fewer (about 2.5 in cl100k, 4 in
 * o200k), so non-ASCII characters count at 3. A word-based rule (words x 1.3) undercounts Russian and
 * Ukrainian badly, where one word is often 2-4 tokens. The estimate errs towards too many tokens,
 * which keeps chunks safely inside embedding limits.
 */
const ASCII_CHARS_PER_TOKEN = 4;
const OTHER_CHARS_PER_TOKEN = 3;

export interface TextSize {
  ascii: number;
  other: number;
}

export const EMPTY_SIZE: Readonly<TextSize> = Object.freeze({ ascii: 0, other: 0 });

export function measure(text: string): TextSize {
  let ascii = 0;
  let other = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x80) ascii += 1;
    else if (code < 0xdc00 || code > 0xdfff) other += 1; // a surrogate pair counts once
  }
  return { ascii, other };
}

export function addSizes(...sizes: readonly TextSize[]): TextSize {
  return sizes.reduce((sum, size) => ({ ascii: sum.ascii + size.ascii, other: sum.other + size.other }), EMPTY_SIZE);
}

export function tokensOf(size: TextSize): number {
  return Math.ceil(size.ascii / ASCII_CHARS_PER_TOKEN + size.other / OTHER_CHARS_PER_TOKEN);
}

/** Estimated tokens of `text`: ceil(ASCII chars / 4 + other chars / 3). */
export function estimateTokens(text: string): number {
  return tokensOf(measure(text));
}
