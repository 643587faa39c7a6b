// Greetings and thanks with nothing else in them. Without a model the assistant can only quote the
// owner's files, and "I don't have that information, I'll pass it to the administrator" is the wrong
// answer to "Hi!" or "ok, thanks" (it also flagged the chat for the owner).

const GREETING = new Set([
  'привет',
  'приветик',
  'здравствуйте',
  'здравствуй',
  'здрасте',
  'добрый',
  'доброе',
  'доброго',
  'привіт',
  'вітаю',
  'добрий',
  'добридень',
  'hi',
  'hello',
  'hey',
  'morning',
  'afternoon',
  'evening',
]);

const THANKS = new Set([
  'спасибо',
  'спс',
  'благодарю',
  'ок',
  'окей',
  'хорошо',
  'понятно',
  'ясно',
  'отлично',
  'супер',
  'понял',
  'поняла',
  'дякую',
  'добре',
  'зрозуміло',
  'чудово',
  'зрозумів',
  'зрозуміла',
  'thanks',
  'thank',
  'thx',
  'ok',
  'okay',
  'great',
  'cool',
]);

/** Words that go with those and mean nothing alone ("good evening", "thank you so much"). */
const FILLER = new Set([
  'день',
  'вечер',
  'утро',
  'дня',
  'вечера',
  'утра',
  'большое',
  'огромное',
  'вам',
  'всем',
  'ранку',
  'вечора',
  'вечір',
  'ранок',
  'дуже',
  'щиро',
  'good',
  'there',
  'you',
  'it',
  'a',
  'lot',
  'so',
  'much',
  'got',
]);

export type SmallTalk = 'greeting' | 'thanks';

/**
 * 'thanks' or 'greeting' when the message is only that (in Russian, Ukrainian or English), else
 * undefined. A number makes it an answer ("Ок, 15:00" to the owner's offer of a time), a question mark
 * makes "Хорошо?" a question: neither is thanks.
 */
export function smallTalk(text: string): SmallTalk | undefined {
  if (/\p{N}/u.test(text)) return undefined;
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (!words.every((word) => GREETING.has(word) || THANKS.has(word) || FILLER.has(word))) return undefined;
  if (words.some((word) => THANKS.has(word))) return text.includes('?') ? undefined : 'thanks';
  return words.some((word) => GREETING.has(word)) ? 'greeting' : undefined;
}
