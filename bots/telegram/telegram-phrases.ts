// What the Telegram bot says by itself, outside the assistant's answers.
import type { Language } from '../../core/assistant/language.ts';

export const TELEGRAM_PHRASES = {
  welcome: {
    ru: (salon: string) =>
      `Здравствуйте! Это ${salon}. Напишите ваш вопрос — о ценах, услугах, времени работы или записи.`,
    uk: (salon: string) => `Вітаємо! Це ${salon}. Напишіть ваше питання — про ціни, послуги, час роботи чи запис.`,
    en: (salon: string) =>
      `Hello! This is ${salon}. Send your question about prices, services, opening hours or booking.`,
  },
  unsupported: {
    ru: 'Я понимаю текстовые сообщения и фото. Напишите, пожалуйста, вопрос текстом.',
    uk: 'Я розумію текстові повідомлення та фото. Напишіть, будь ласка, питання текстом.',
    en: 'I can read text messages and photos. Please type your question.',
  },
  failure: {
    ru: 'Извините, что-то пошло не так. Администратор увидит ваше сообщение и ответит.',
    uk: 'Вибачте, щось пішло не так. Адміністратор побачить ваше повідомлення і відповість.',
    en: 'Sorry, something went wrong. The administrator will see your message and reply.',
  },
} satisfies Record<string, Record<Language, unknown>>;
