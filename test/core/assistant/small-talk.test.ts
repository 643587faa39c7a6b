import { expect } from 'chai';
import { smallTalk } from '../../../core/assistant/small-talk.ts';

describe('core/assistant/small-talk', () => {
  it('recognises a greeting or thanks with nothing else in it', () => {
    for (const text of ['Привет!', 'Добрый вечер', 'Добрий вечір', 'Вітаю', 'Hi there', 'Good morning!'])
      expect(smallTalk(text), text).to.equal('greeting');
    for (const text of ['Спасибо большое!', 'ок, спасибо', 'Дякую 🙏', 'Thank you so much', 'ok thanks', 'Понятно'])
      expect(smallTalk(text), text).to.equal('thanks');
  });

  it('leaves anything with a question in it, and a message with no words, to the rest of the pipeline', () => {
    for (const text of [
      'Привет! Сколько стоит маникюр?',
      'Дякую, а педикюр?',
      'Good evening, are you open?',
      'день',
      '',
      '👍',
    ])
      expect(smallTalk(text), text).to.equal(undefined);
    // An answer with a time or a number (to the owner's "15:00 or 17:00?"), or "Хорошо?" asked back.
    for (const text of ['Ок, 15:00', 'ok 18:00', 'Хорошо, 10', 'Хорошо?', 'Ок?'])
      expect(smallTalk(text), text).to.equal(undefined);
  });
});
