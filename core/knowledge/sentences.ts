// Splits text at sentence boundaries (Intl.Segmenter, plus line breaks) into pieces that each fit a token budget.
import { estimateTokens } from './token-estimate.ts';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });

/** Sentences in order, trimmed; a line break always ends a sentence (lists, opening hours). */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const line of text.split('\n')) {
    for (const { segment } of segmenter.segment(line)) {
      const sentence = segment.trim();
      if (sentence !== '') sentences.push(sentence);
    }
  }
  return sentences;
}

/** A run of characters with no space that is itself over budget (a long URL, a base64 blob): cut it by length. */
function cutWord(word: string, maxTokens: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (estimateTokens(rest) > maxTokens) {
    let size = Math.max(1, maxTokens * 3);
    while (size > 1 && estimateTokens(rest.slice(0, size)) > maxTokens) size -= Math.max(1, Math.floor(size / 8));
    pieces.push(rest.slice(0, size));
    rest = rest.slice(size);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/** Greedily joins `units` with `separator` into parts of at most `maxTokens`. Every unit must already fit. */
function pack(units: readonly string[], separator: string, maxTokens: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const unit of units) {
    const candidate = current === '' ? unit : `${current}${separator}${unit}`;
    if (current !== '' && estimateTokens(candidate) > maxTokens) {
      parts.push(current);
      current = unit;
    } else current = candidate;
  }
  if (current !== '') parts.push(current);
  return parts;
}

/** A sentence that alone is over budget is split between words (and a monstrous word by length). */
function fitSentence(sentence: string, maxTokens: number): string[] {
  if (estimateTokens(sentence) <= maxTokens) return [sentence];
  const words = sentence
    .split(/\s+/)
    .flatMap((word) => (estimateTokens(word) > maxTokens ? cutWord(word, maxTokens) : [word]));
  return pack(words, ' ', maxTokens);
}

/**
 * `text` as one piece when it fits in `maxTokens`; otherwise its sentences (each one cut between words
 * if it alone is too long), for the caller to pack: packing is left to it so room remains for overlap.
 */
export function splitToFit(text: string, maxTokens: number): string[] {
  if (estimateTokens(text) <= maxTokens) return [text];
  return splitSentences(text).flatMap((sentence) => fitSentence(sentence, maxTokens));
}

/** The last sentences of `text` that together fit `maxTokens`; the last words if even one sentence is too long. */
export function tailWithin(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
  const sentences = splitSentences(text);
  let tail = '';
  for (let index = sentences.length - 1; index >= 0; index -= 1) {
    const candidate = tail === '' ? (sentences[index] ?? '') : `${sentences[index] ?? ''} ${tail}`;
    if (estimateTokens(candidate) > maxTokens) break;
    tail = candidate;
  }
  if (tail !== '') return tail;
  const words = text.split(/\s+/).filter((word) => word !== '');
  for (let index = words.length - 1; index >= 0; index -= 1) {
    const candidate = tail === '' ? (words[index] ?? '') : `${words[index] ?? ''} ${tail}`;
    if (estimateTokens(candidate) > maxTokens) break;
    tail = candidate;
  }
  return tail;
}
