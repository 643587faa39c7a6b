// What the assistant says by itself on WhatsApp (both modes), outside its answers.

const UNSUPPORTED: Record<string, string> = {
  ru: 'Я понимаю текстовые сообщения. Напишите, пожалуйста, вопрос текстом.',
  uk: 'Я розумію текстові повідомлення. Напишіть, будь ласка, питання текстом.',
  en: 'I can read text messages. Please type your question.',
};

/** The polite answer to a voice message, sticker or file, in the owner's language. */
export function unsupportedPhrase(language: string | undefined): string {
  return UNSUPPORTED[language ?? 'ru'] ?? UNSUPPORTED.en!;
}
