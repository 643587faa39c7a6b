import { expect } from 'chai';
import { asksForPerson, takeHandoverMarker } from '../../../core/assistant/handover.ts';

describe('core/assistant/handover', () => {
  it('recognises a customer asking for a person, in Russian, Ukrainian and English', () => {
    for (const text of [
      'Позовите администратора', 'Можно поговорить с менеджером?', 'Соедините меня с живым человеком, пожалуйста', 'Администратор?', 'оператор',
      'Покличте адміністратора', 'Хочу поговорити з людиною', 'Можна зв’язатися з менеджером?',
      'Can I speak to a human?', "I'd like to talk to someone", 'Connect me with the manager please', 'human please', 'Talking to a real person would help',
    ]) expect(asksForPerson(text), text).to.equal(true);
  });

  it('does not take questions that merely mention staff or talking for a request', () => {
    for (const text of [
      'Записаться можно через администратора?', 'Сколько стоит стрижка?', 'Как с вами связаться?', 'Стрижка на двух человек в субботу',
      'Чи можна записатися через адміністратора?', 'Do you have a personal discount?', 'Can someone do my nails on Saturday?', 'Can I talk about prices?', 'Who is the owner of the salon?',
    ]) expect(asksForPerson(text), text).to.equal(false);
  });

  it("takes the model's handover marker off the reply, wherever and however it is written", () => {
    expect(takeHandoverMarker('Не знаю, администратор ответит вам здесь. [handover]')).to.deep.equal({ text: 'Не знаю, администратор ответит вам здесь.', handOver: true });
    expect(takeHandoverMarker('[HANDOVER]\nThe administrator will reply here.')).to.deep.equal({ text: 'The administrator will reply here.', handOver: true });
    expect(takeHandoverMarker('Маникюр стоит 1500 руб.')).to.deep.equal({ text: 'Маникюр стоит 1500 руб.', handOver: false });
  });
});
