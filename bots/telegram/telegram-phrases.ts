// What the Telegram bot says by itself, outside the assistant's answers (core/language-data, `channelPhrases`).
import type { Language } from '../../core/assistant/language.ts';
import { fill } from '../../core/assistant/phrases.ts';
import { languageFile } from '../../core/language-data/language-data.ts';

export function telegramPhrasesIn(language: Language) {
  const phrases = languageFile(language).channelPhrases;
  return {
    welcome: (salon: string) => fill(phrases.telegramWelcome, { salon }),
    unsupported: phrases.telegramUnsupported,
    failure: phrases.telegramFailure,
  };
}
