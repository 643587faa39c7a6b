// Greetings and thanks with nothing else in them. Without a model the assistant can only quote the
// owner's files, and "I don't have that information, I'll pass it to the administrator" is the wrong
// answer to "Hi!" or "ok, thanks" (it also flagged the chat for the owner). The words are in
// core/language-data, every language's together: a customer may greet in one and thank in another.
import { allWords } from '../language-data/language-data.ts';

const GREETING = allWords((language) => language.smallTalk.greetings);
const THANKS = allWords((language) => language.smallTalk.thanks);
const FILLER = allWords((language) => language.smallTalk.filler);

export type SmallTalk = 'greeting' | 'thanks';

/**
 * 'thanks' or 'greeting' when the message is only that, else undefined. A number makes it an answer
 * ("Ок, 15:00" to the owner's offer of a time), a question mark makes "Хорошо?" a question: neither is thanks.
 */
export function smallTalk(text: string): SmallTalk | undefined {
  if (/\p{N}/u.test(text)) return undefined;
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (!words.every((word) => GREETING.has(word) || THANKS.has(word) || FILLER.has(word))) return undefined;
  if (words.some((word) => THANKS.has(word))) return text.includes('?') ? undefined : 'thanks';
  return words.some((word) => GREETING.has(word)) ? 'greeting' : undefined;
}
