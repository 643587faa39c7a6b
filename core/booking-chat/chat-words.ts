// The booking conversation's words (core/language-data, `bookingChat`): what starts it, what answers
// its questions, and what it says, in the customer's language. Recognising words uses every language's
// together, as a customer may write in another language than the one the chat started in.
import { fill } from '../assistant/phrases.ts';
import { patternTest, type WordTest } from '../assistant/handover.ts';
import { LANGUAGE_FILES, languageFile, type LanguageFile } from '../language-data/language-data.ts';

export type Intent = 'book' | 'move' | 'cancel';

type Phrases = LanguageFile['bookingChat']['phrases'];
type PhraseName = keyof Phrases;

/** The flow's sentences and button labels in one language, templates filled by name. */
export function chatWords(language: string) {
  const { phrases, labels } = languageFile(language).bookingChat;
  return {
    language: languageFile(language).language,
    labels,
    say(name: PhraseName, values: Record<string, string> = {}): string {
      return fill(phrases[name], values);
    },
  };
}

export type ChatWords = ReturnType<typeof chatWords>;

const everyLanguage = (pick: (file: LanguageFile) => readonly string[]): WordTest => {
  const tests = LANGUAGE_FILES.map((file) => patternTest(pick(file)));
  return (word) => tests.some((test) => test(word));
};

const INTENTS: [Intent, WordTest][] = [
  // Moving and cancelling first: "отменить запись" names a booking too.
  ['cancel', everyLanguage((file) => file.bookingChat.intents.cancel)],
  ['move', everyLanguage((file) => file.bookingChat.intents.move)],
  ['book', everyLanguage((file) => file.bookingChat.intents.book)],
];
const PRICE = new Set(LANGUAGE_FILES.flatMap((file) => file.search.synonyms['price'] ?? []));
const YES = everyLanguage((file) => file.bookingChat.yes);
const NO = everyLanguage((file) => file.bookingChat.no);
const SKIP = everyLanguage((file) => file.bookingChat.skip);
const STOP = everyLanguage((file) => file.bookingChat.stop);

/** A longer message is a question for the knowledge base, even if it names booking ("can I cancel for free…"). */
const INTENT_MAX_WORDS = 10;

export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/[’ʼ`]/g, "'")
      .match(/[\p{L}\p{N}']+/gu) ?? []
  );
}

/** What a short message asks to do with a booking, if anything; `/book` always asks to book. */
export function intentOf(text: string): Intent | undefined {
  if (/^\/book(@\w+)?\b/i.test(text.trim())) return 'book';
  const all = words(text);
  if (all.length === 0 || all.length > INTENT_MAX_WORDS) return undefined;
  // "How much does booking cost?" asks about prices.
  if (asksPrice(text)) return undefined;
  return INTENTS.find(([, test]) => all.some(test))?.[0];
}

/** The message asks about prices ("сколько стоит стрижка?"): a question, even while a flow is open. */
export function asksPrice(text: string): boolean {
  return words(text).some((word) => PRICE.has(word));
}

/** The whole message is one of these words (a short answer: "да", "yes", "skip"). */
const only = (test: WordTest) => (text: string) => {
  const all = words(text);
  return all.length > 0 && all.length <= 3 && all.every(test);
};

export const saysYes = only(YES);
export const saysNo = only(NO);
export const saysSkip = only(SKIP);
export const saysStop = (text: string) => only(STOP)(text) || intentOf(text) === 'cancel';
