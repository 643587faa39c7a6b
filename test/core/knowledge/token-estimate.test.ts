// The token estimate: ASCII at 4 characters per token, other scripts (Cyrillic) at 3, additive over text.
import { expect } from 'chai';
import { addSizes, estimateTokens, measure, tokensOf } from '../../../core/knowledge/token-estimate.ts';

describe('estimateTokens', () => {
  it('counts ASCII at 4 characters per token and Cyrillic at 3, rounding up', () => {
    expect(estimateTokens('')).to.equal(0);
    expect(estimateTokens('abcd')).to.equal(1);
    expect(estimateTokens('abcde')).to.equal(2);
    expect(estimateTokens('Маникюр')).to.equal(3); // 7 letters / 3
    expect(estimateTokens('Манікюр 450 грн')).to.equal(Math.ceil(10 / 3 + 5 / 4));
  });

  it('counts an emoji (a surrogate pair) as one character', () => {
    expect(measure('💅')).to.deep.equal({ ascii: 0, other: 1 });
  });

  it('is additive before rounding, so chunk sizes can be tracked piece by piece', () => {
    const parts = ['Стрижка ', 'women’s haircut ', '2000 руб'];
    expect(tokensOf(addSizes(...parts.map(measure)))).to.equal(estimateTokens(parts.join('')));
  });
});
