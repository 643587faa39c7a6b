import { expect } from 'chai';
import { detectLanguage } from '../../../core/assistant/language.ts';

describe('core/assistant/language', () => {
  it("answers in the customer's language, by its letters or, without them, by its common words", () => {
    expect(detectLanguage('Скільки коштує манікюр?')).to.equal('uk');
    expect(detectLanguage('Сколько стоит маникюр? Ещё вопрос')).to.equal('ru');
    expect(detectLanguage('Чи можна скасувати запис?', 'ru')).to.equal('uk');
    expect(detectLanguage('Де ви знаходитесь?', 'ru')).to.equal('uk');
    expect(detectLanguage('Где вы находитесь?', 'uk')).to.equal('ru');
    expect(detectLanguage('Можно отменить запись?', 'uk')).to.equal('ru');
    expect(detectLanguage('How much is a haircut?', 'ru')).to.equal('en');
  });

  it("keeps the owner's language when nothing tells", () => {
    expect(detectLanguage('Маникюр', 'uk')).to.equal('uk');
    expect(detectLanguage('Маникюр', 'ru')).to.equal('ru');
    expect(detectLanguage('👍', 'en')).to.equal('en');
  });
});
