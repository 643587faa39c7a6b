// The assistant's fixed sentences, in each language it answers in.
import type { Language } from './language.ts';

export const PHRASES = {
  foundIn: {
    ru: (file: string) => `Вот что сказано в «${file}»:`,
    uk: (file: string) => `Ось що сказано у «${file}»:`,
    en: (file: string) => `Here is what “${file}” says:`,
  },
  dontKnow: {
    ru: 'К сожалению, у меня нет этой информации. Я передам ваш вопрос администратору, он ответит вам здесь.',
    uk: 'На жаль, у мене немає цієї інформації. Я передам ваше питання адміністратору, він відповість вам тут.',
    en: "I'm sorry, I don't have that information. I'll pass your question to the administrator, who will answer you here.",
  },
  personAsked: {
    ru: 'Хорошо, я передал ваш вопрос администратору, он ответит вам здесь.',
    uk: 'Добре, я передав ваше питання адміністратору, він відповість вам тут.',
    en: "Of course: I've asked the administrator to reply to you here.",
  },
  greeting: {
    ru: 'Здравствуйте! Чем могу помочь?',
    uk: 'Вітаю! Чим можу допомогти?',
    en: 'Hello! How can I help you?',
  },
  thanks: {
    ru: 'Пожалуйста! Если появятся вопросы, пишите.',
    uk: 'Будь ласка! Якщо будуть питання, пишіть.',
    en: "You're welcome! Write any time you have a question.",
  },
  modelDown: {
    ru: 'Извините, я сейчас не могу ответить. Я передал ваш вопрос администратору.',
    uk: 'Вибачте, я зараз не можу відповісти. Я передав ваше питання адміністратору.',
    en: "Sorry, I can't answer right now. I've passed your question to the administrator.",
  },
  oneMoment: {
    ru: 'Минутку, пожалуйста: сейчас много вопросов. Я отвечу вам здесь чуть позже.',
    uk: 'Хвилинку, будь ласка: зараз багато питань. Я відповім вам тут трохи пізніше.',
    en: "One moment, please: there are many questions right now. I'll answer you here shortly.",
  },
  photoOnly: {
    ru: 'Я получил фото, но пока не умею его разбирать. Опишите, пожалуйста, вопрос словами.',
    uk: 'Я отримав фото, але поки не вмію його розбирати. Опишіть, будь ласка, питання словами.',
    en: "I got your photo, but I can't read photos yet. Please describe your question in words.",
  },
} satisfies Record<string, Record<Language, unknown>>;
