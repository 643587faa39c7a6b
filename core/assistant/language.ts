// Guesses the customer's language from their message, so the reply uses it.
export type Language = 'ru' | 'uk' | 'en';

export function detectLanguage(text: string, fallback: Language = 'ru'): Language {
  if (/[іїєґІЇЄҐ]/.test(text)) return 'uk';
  if (/[ыэъёЫЭЪЁ]/.test(text)) return 'ru';
  const cyrillic = (text.match(/[а-яА-Я]/g) ?? []).length;
  const latin = (text.match(/[a-zA-Z]/g) ?? []).length;
  if (cyrillic === 0 && latin === 0) return fallback;
  if (cyrillic > latin) return fallback === 'uk' ? 'uk' : 'ru';
  return 'en';
}
