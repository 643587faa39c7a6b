// When the assistant hands a chat over to a person: the customer asks for one, or the model says the
// passages do not answer (it ends its reply with a marker the customer never sees). The words are in
// core/language-data (`handover`), every language's together; the rules for combining them are here.
import { LANGUAGE_FILES } from '../language-data/language-data.ts';

type WordTest = (word: string) => boolean;

/** A word pattern from a language file: the word itself, or with a trailing `*` any word it begins. */
function patternTest(patterns: readonly string[]): WordTest {
  const exact = new Set(patterns.filter((pattern) => !pattern.endsWith('*')));
  const beginnings = patterns.filter((pattern) => pattern.endsWith('*')).map((pattern) => pattern.slice(0, -1));
  return (word) => exact.has(word) || beginnings.some((beginning) => word.startsWith(beginning));
}

const anyOf =
  (tests: WordTest[]): WordTest =>
  (word) =>
    tests.some((test) => test(word));

const isPerson = anyOf(LANGUAGE_FILES.map((language) => patternTest(language.handover.person)));
const isReach = anyOf(LANGUAGE_FILES.map((language) => patternTest(language.handover.reach)));
const isTell = anyOf(LANGUAGE_FILES.map((language) => patternTest(language.handover.tell)));
const TELL_FILLER = new Set(LANGUAGE_FILES.flatMap((language) => language.handover.tellFiller));
const REQUEST_FILLER = new Set(LANGUAGE_FILES.flatMap((language) => language.handover.requestFiller));

/** A person being told something: in the form a language gives the one told ("Передайте администратору"). */
const isRecipient = anyOf(
  LANGUAGE_FILES.map((language) => {
    const person = patternTest(language.handover.person);
    const endings = language.handover.recipientEndings;
    return (word) => person(word) && (endings.length === 0 || endings.some((ending) => word.endsWith(ending)));
  }),
);

/** Call-back phrases as word tests, `_` for any one word. */
const CALL_BACK: (WordTest | undefined)[][] = LANGUAGE_FILES.flatMap((language) =>
  language.handover.callBack.map((phrase) =>
    phrase.split(/\s+/).map((pattern) => (pattern === '_' ? undefined : patternTest([pattern]))),
  ),
);

const BARE_REQUEST_WORDS = 5;

function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/[’ʼ`]/g, "'")
      .match(/[\p{L}\p{N}']+/gu) ?? []
  );
}

function asksForCallBack(all: string[]): boolean {
  return CALL_BACK.some((phrase) =>
    all.some((_, start) => {
      const run = all.slice(start, start + phrase.length);
      return run.length === phrase.length && run.every((word, offset) => phrase[offset]?.(word) ?? true);
    }),
  );
}

/** A word for passing a word on, followed (politeness aside) by the person told ("Tell the manager …"). */
function passesWordOn(all: string[]): boolean {
  return all.some((word, index) => {
    if (!isTell(word)) return false;
    const told = all.slice(index + 1).find((next) => !TELL_FILLER.has(next));
    return told !== undefined && isRecipient(told);
  });
}

/**
 * Whether the customer asks to talk to a person rather than the assistant: a word for being put
 * through before the person ("Позовите администратора", "Can I speak to a human?"), a message for the
 * person ("Передайте администратору, что я опоздаю"), a request for a call back, or a short message that
 * is nothing but a request for a person ("Оператор!", "I need a manager"). A question about people is
 * not one ("Цена за человека?", "Does the manager speak English?", "Стрижка на 2 человека"), nor is a
 * question that opens with "tell me" ("Скажите, а мастер работает в субботу?").
 */
export function asksForPerson(text: string): boolean {
  const all = words(text);
  if (asksForCallBack(all)) return true;
  const firstPerson = all.findIndex(isPerson);
  if (firstPerson < 0) return false;
  if (all.slice(0, firstPerson).some(isReach)) return true;
  if (passesWordOn(all)) return true;
  // Short, and nothing but the request: the person, asking words and politeness ("Администратора позовите").
  return (
    all.length <= BARE_REQUEST_WORDS &&
    all.every((word) => isPerson(word) || isReach(word) || isTell(word) || REQUEST_FILLER.has(word))
  );
}

/** What the model appends when it cannot answer from the passages or the customer asks for a person. */
export const HANDOVER_MARKER = '[handover]';

// The marker as models write it: bold or code, escaped, round brackets, "hand over" / "hand-over".
const MARKER = /[*_`\\]*[[(]\s*hand[\s-]?over\s*\\?[\])][*_`]*\.?/gi;

/** The model's reply without the marker, and whether it was there. */
export function takeHandoverMarker(reply: string): { text: string; handOver: boolean } {
  const taken = reply.replace(MARKER, '');
  return taken === reply
    ? { text: reply, handOver: false }
    : { text: taken.replace(/[ \t]+\n/g, '\n').trim(), handOver: true };
}
