// Guesses the customer's language from their message, so the reply uses it.
export type Language = 'ru' | 'uk' | 'en';

// Common words only one of the two languages has, for messages without its own letters: "Чи можна
// скасувати запис?" has no і, ї, є or ґ, "Где вы находитесь?" no ы, э, ъ or ё.
const UKRAINIAN_WORDS = new Set([
  'чи',
  'можна',
  'де',
  'ви',
  'як',
  'що',
  'коли',
  'це',
  'та',
  'або',
  'мене',
  'будь',
  'ласка',
  'дякую',
  'вона',
  'вони',
  'вже',
  'теж',
  'сьогодні',
  'потрібно',
  'треба',
  'скасувати',
  'запис',
  'ціна',
  'скільки',
  'коштує',
]);
const RUSSIAN_WORDS = new Set([
  'где',
  'можно',
  'вы',
  'как',
  'что',
  'когда',
  'это',
  'или',
  'меня',
  'пожалуйста',
  'спасибо',
  'да',
  'нет',
  'он',
  'она',
  'они',
  'уже',
  'тоже',
  'сейчас',
  'сегодня',
  'нужно',
  'надо',
  'отменить',
  'запись',
  'цена',
  'сколько',
  'стоит',
]);

export function detectLanguage(text: string, fallback: Language = 'ru'): Language {
  if (/[іїєґІЇЄҐ]/.test(text)) return 'uk';
  if (/[ыэъёЫЭЪЁ]/.test(text)) return 'ru';
  const cyrillic = (text.match(/[а-яА-Я]/g) ?? []).length;
  const latin = (text.match(/[a-zA-Z]/g) ?? []).length;
  if (cyrillic === 0 && latin === 0) return fallback;
  if (cyrillic <= latin) return 'en';
  const words = text.toLowerCase().match(/[а-я']+/g) ?? [];
  const ukrainian = words.filter((word) => UKRAINIAN_WORDS.has(word)).length;
  const russian = words.filter((word) => RUSSIAN_WORDS.has(word)).length;
  if (ukrainian !== russian) return ukrainian > russian ? 'uk' : 'ru';
  return fallback === 'uk' ? 'uk' : 'ru';
}
