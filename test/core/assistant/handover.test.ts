import { expect } from 'chai';
import { asksForPerson, takeHandoverMarker } from '../../../core/assistant/handover.ts';

describe('core/assistant/handover', () => {
  it('recognises a customer asking for a person, in Russian, Ukrainian and English', () => {
    for (const text of [
      'Позовите администратора',
      'Можно поговорить с менеджером?',
      'Соедините меня с живым человеком, пожалуйста',
      'Администратор?',
      'оператор',
      'Покличте адміністратора',
      'Хочу поговорити з людиною',
      'Можна зв’язатися з менеджером?',
      'Can I speak to a human?',
      "I'd like to talk to someone",
      'Connect me with the manager please',
      'human please',
      'Talking to a real person would help',
      // A bare request, a call back, a word to pass on, the person named first.
      'Нужен живой человек',
      'I need a manager',
      'Can I get a human?',
      'Перезвоните мне',
      'Please call me back',
      'Можно поговорить с мастером?',
      'Передайте администратору, что я опоздаю на 10 минут',
      'Tell the manager I will be late',
      'Зв’яжіть мене з адміністратором',
      'Администратора позовите',
    ])
      expect(asksForPerson(text), text).to.equal(true);
  });

  it('does not take questions that merely mention staff or talking for a request', () => {
    for (const text of [
      'Записаться можно через администратора?',
      'Сколько стоит стрижка?',
      'Как с вами связаться?',
      'Стрижка на двух человек в субботу',
      'Чи можна записатися через адміністратора?',
      'Do you have a personal discount?',
      'Can someone do my nails on Saturday?',
      'Can I talk about prices?',
      'Who is the owner of the salon?',
      // People counted or priced, staff described: questions, not requests.
      'Сколько человек работает?',
      'Стрижка на 2 человека',
      'На 4 человека можно?',
      'Цена за человека?',
      'Price per person?',
      'Ціна за людину?',
      'Do your staff speak English?',
      'Does the manager speak English?',
      'Admin fee?',
      'Можно связаться с вами в вайбере?',
      'Do you have a female master?',
    ])
      expect(asksForPerson(text), text).to.equal(false);
  });

  it("takes the model's handover marker off the reply, wherever and however it is written", () => {
    expect(takeHandoverMarker('Не знаю, администратор ответит вам здесь. [handover]')).to.deep.equal({
      text: 'Не знаю, администратор ответит вам здесь.',
      handOver: true,
    });
    expect(takeHandoverMarker('[HANDOVER]\nThe administrator will reply here.')).to.deep.equal({
      text: 'The administrator will reply here.',
      handOver: true,
    });
    // As models write it: bold, code, escaped, in round brackets, spelt "hand-over", with a full stop.
    for (const variant of [
      '**[handover]**',
      '`[handover]`',
      '\\[handover\\]',
      '(handover)',
      '[hand-over]',
      '[Hand over].',
    ]) {
      expect(takeHandoverMarker(`Администратор ответит вам здесь. ${variant}`), variant).to.deep.equal({
        text: 'Администратор ответит вам здесь.',
        handOver: true,
      });
    }
    expect(takeHandoverMarker('Маникюр стоит 1500 руб.')).to.deep.equal({
      text: 'Маникюр стоит 1500 руб.',
      handOver: false,
    });
  });
});
