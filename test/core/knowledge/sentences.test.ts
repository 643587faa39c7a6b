// Sentence splitting and the overlap tail, in English, Russian and Ukrainian.
import { expect } from 'chai';
import { splitSentences, splitToFit, tailWithin } from '../../../core/knowledge/sentences.ts';
import { estimateTokens } from '../../../core/knowledge/token-estimate.ts';

describe('sentences', () => {
  it('splits at sentence ends and line breaks, in Cyrillic too', () => {
    expect(splitSentences('Мы открыты ежедневно. Запись обязательна! Вопросы? Пишите.\nПн–Пт: 9–21')).to.deep.equal([
      'Мы открыты ежедневно.',
      'Запись обязательна!',
      'Вопросы?',
      'Пишите.',
      'Пн–Пт: 9–21',
    ]);
    expect(splitSentences('Працюємо з 9:00. Неділя — вихідний.')).to.deep.equal([
      'Працюємо з 9:00.',
      'Неділя — вихідний.',
    ]);
  });

  it('returns a text that fits as a single piece, and sentences of one that does not', () => {
    expect(splitToFit('One. Two.', 100)).to.deep.equal(['One. Two.']);
    const text = 'First sentence is here. Second sentence is here. Third sentence is here.';
    const pieces = splitToFit(text, 8);
    expect(pieces).to.deep.equal(['First sentence is here.', 'Second sentence is here.', 'Third sentence is here.']);
    for (const piece of pieces) expect(estimateTokens(piece)).to.be.at.most(8);
  });

  it('takes the last whole sentences that fit for the overlap, else the last words', () => {
    const text = 'Alpha beta gamma. Delta epsilon. Zeta eta theta.';
    expect(tailWithin(text, 9)).to.equal('Delta epsilon. Zeta eta theta.');
    expect(tailWithin(text, 4)).to.equal('Zeta eta theta.');
    expect(tailWithin('A very long single sentence without any end', 4)).to.equal('without any end');
    expect(tailWithin(text, 0)).to.equal('');
  });
});
