// The words the assistant knows, one JSON file per language beside this module (ru.json, uk.json, …):
// how to recognise the language, which words a search ignores or treats as one, small talk, how a
// customer asks for a person, and the assistant's own sentences. Read and validated once, at import;
// a language is added by adding its file, with no code to change.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const DIRECTORY = path.dirname(fileURLToPath(import.meta.url));

/** The language answers fall back to when a customer's or owner's language has no file. */
export const FALLBACK_LANGUAGE = 'en';

function duplicates(list: readonly string[]): string[] {
  return [...new Set(list.filter((item, index) => list.indexOf(item) !== index))];
}

/** A list of lower-case words (matching lower-cases the text), each listed once. */
const words = z.array(z.string().min(1)).superRefine((list, ctx) => {
  for (const word of list)
    if (word !== word.toLowerCase()) ctx.addIssue({ code: 'custom', message: `"${word}" must be lower case` });
  const twice = duplicates(list);
  if (twice.length > 0) ctx.addIssue({ code: 'custom', message: `listed twice: ${twice.join(', ')}` });
});

/**
 * Handover word patterns: a word matches itself only; a trailing `*` matches any ending ("мастер*":
 * мастер, мастера, мастеру), for languages whose endings change with case.
 */
const patterns = words.refine((list) => list.every((pattern) => !pattern.slice(0, -1).includes('*')), {
  message: 'only a trailing * is allowed',
});

/** A sentence with `{name}` placeholders the code fills in. */
const template = (...names: string[]) =>
  z
    .string()
    .min(1)
    .refine((text) => names.every((name) => text.includes(`{${name}}`)), {
      message: `must contain ${names.map((name) => `{${name}}`).join(', ')}`,
    });

const unicodeScript = z.string().refine(
  (script) => {
    try {
      new RegExp(`\\p{Script=${script}}`, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a Unicode script name (Cyrillic, Latin, Greek, …)' },
);

export const languageFileSchema = z.strictObject({
  /** The language's ISO 639-1 code; the file is named after it. */
  language: z.string().regex(/^[a-z]{2,3}$/),
  /** Its English name, for the model's instructions ("Reply in Ukrainian"). */
  name: z.string().min(1),
  detection: z.strictObject({
    /** The Unicode script it is written in. */
    script: unicodeScript,
    /** Chosen when a message in this script gives no other hint and the owner's language is another script. */
    scriptDefault: z.boolean().default(false),
    /** Letters of the script that only this language uses ("ыэъё" for Russian among Cyrillic languages). */
    letters: z.string().refine((letters) => letters === letters.toLowerCase(), { message: 'must be lower case' }),
    /** Common words that only this language among those of its script has ("чи", "можна" for Ukrainian). */
    words,
  }),
  search: z.strictObject({
    /** Words that make a question a question but never appear in an answer ("how much", "do you"). */
    questionWords: words,
    /** Question words asking "where": a question made of nothing else asks for the address. */
    whereWords: words,
    /**
     * Words customers use for one another, by concept; a concept's words in every language form one set
     * ("monday": понедельник, понеділок, monday). `price` and `address` are concepts the search relies on.
     */
    synonyms: z.record(z.string().regex(/^[a-z]+$/), words.min(1)),
  }),
  smallTalk: z.strictObject({
    greetings: words,
    thanks: words,
    /** Words that go with greetings and thanks and mean nothing alone ("good evening", "thank you so much"). */
    filler: words,
  }),
  handover: z.strictObject({
    /** Whom a customer asks for: a role at the business, or just a human. */
    person: patterns,
    /** Asking to be put through (call, connect, talk to): before the person. */
    reach: patterns,
    /** Asking to pass a word on (tell, warn): followed by the person told. */
    tell: patterns,
    /** Words that may stand between such a word and the person ("Tell the manager", "Передайте, пожалуйста, …"). */
    tellFiller: words,
    /** The endings a person word takes as the one told or warned (dative, accusative: администратору, мастера), which the subject of a question ("мастер работает?") lacks; none: any. */
    recipientEndings: words,
    /** Asking for a call back: phrases of patterns, `_` standing for any one word ("call my _ back"). */
    callBack: patterns,
    /** Words a bare request for a person may carry besides the person ("Нужен живой человек"). */
    requestFiller: words,
  }),
  /** The assistant's fixed sentences. */
  phrases: z.strictObject({
    foundIn: template('file'),
    dontKnow: z.string().min(1),
    personAsked: z.string().min(1),
    greeting: z.string().min(1),
    thanks: z.string().min(1),
    modelDown: z.string().min(1),
    /** Sent once when the owner's model call limit holds an answer back (it follows later). */
    oneMoment: z.string().min(1),
    photoOnly: z.string().min(1),
  }),
  /** Booking: what the customer is told, and how a price list names its columns. */
  booking: z.strictObject({
    /** A reminder before the visit; {when} is the day and time in this language. */
    reminder: template('service', 'when', 'business'),
    /** Column names (matched inside lower-cased headers) and duration units (whole words) of a price list. */
    priceList: z.strictObject({ name: words, price: words, duration: words, minutes: words, hours: words }),
  }),
  /** What a channel's bot says by itself, outside the assistant's answers. */
  channelPhrases: z.strictObject({
    telegramWelcome: template('salon'),
    telegramUnsupported: z.string().min(1),
    telegramFailure: z.string().min(1),
    whatsappUnsupported: z.string().min(1),
  }),
});

export type LanguageFile = z.infer<typeof languageFileSchema>;

/** Every language file of a directory, validated, ordered by language code. Throws naming the file and field at fault. */
export function loadLanguageFiles(directory: string = DIRECTORY): LanguageFile[] {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const languages = files.map((name) => {
    const file = path.join(directory, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`language file ${file} is not valid JSON`, { cause: error });
    }
    const result = languageFileSchema.safeParse(parsed);
    if (!result.success) throw new Error(`language file ${file}: ${z.prettifyError(result.error)}`);
    if (`${result.data.language}.json` !== name)
      throw new Error(`language file ${file} says it is "${result.data.language}": name it after its language`);
    return result.data;
  });
  if (!languages.some((language) => language.language === FALLBACK_LANGUAGE))
    throw new Error(`no ${FALLBACK_LANGUAGE}.json in ${directory}: the fallback language is required`);
  for (const concept of ['price', 'address'])
    if (!languages.some((language) => concept in language.search.synonyms))
      throw new Error(`no language file in ${directory} has the synonym concept "${concept}" the search relies on`);
  return languages;
}

/** The languages the assistant answers in, loaded once. */
export const LANGUAGE_FILES: readonly LanguageFile[] = loadLanguageFiles();

/** Their codes, in order ("en", "ru", "uk"). */
export const LANGUAGES: readonly string[] = LANGUAGE_FILES.map((language) => language.language);

const FALLBACK_FILE = LANGUAGE_FILES.find((language) => language.language === FALLBACK_LANGUAGE) as LanguageFile;

/** A language's file, or the fallback language's when it has none. */
export function languageFile(code: string): LanguageFile {
  return LANGUAGE_FILES.find((language) => language.language === code) ?? FALLBACK_FILE;
}

/** Every language's words of one kind, together, once each. */
export function allWords(pick: (language: LanguageFile) => readonly string[]): Set<string> {
  return new Set(LANGUAGE_FILES.flatMap(pick));
}
