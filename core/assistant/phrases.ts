// The assistant's fixed sentences, in the customer's language (core/language-data, `phrases`).
import { languageFile } from '../language-data/language-data.ts';
import type { Language } from './language.ts';

/** A sentence with its `{name}` placeholders filled in. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export type Phrases = ReturnType<typeof phrasesIn>;

/** The sentences of a language (the fallback language's when it has no file). */
export function phrasesIn(language: Language) {
  const { phrases } = languageFile(language);
  return { ...phrases, foundIn: (file: string) => fill(phrases.foundIn, { file }) };
}
