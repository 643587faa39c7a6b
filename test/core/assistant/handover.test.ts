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
      // A word for the person told or warned, and call backs for someone else or without "me".
      'Скажите мастеру, что я опоздаю',
      'Предупредите, пожалуйста, администратора',
      'Скажіть майстру, що я запізнюся',
      'Передзвоніть мені',
      'Could you call my husband back?',
      'Call back please',
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
      // "Tell me, …" opens a question; the customer calling later is not asking to be called.
      'Скажите, а мастер работает в субботу?',
      'Скажите пожалуйста мастер работает в субботу?',
      'Скажіть, а майстер працює в суботу?',
      'Tell me, is the master free on Saturday?',
      'Can I call you later and come back on Friday?',
      'Можно я вам перезвоню в пятницу?',
      'Можна я передзвоню завтра?',
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
