// Questions whose words are each in many of the owner's chunks: passages holding two of the words are
// scored first, and single-word passages still fill the answer when too few hold two.
import { expect } from 'chai';
import { indexedSuite } from '../../support/indexed-owner.ts';

describe('core/knowledge search over words in many chunks', function () {
  this.timeout(60_000);
  const statements: { sql: string; bindings: unknown[] }[] = [];
  const scoring = () => statements.filter((statement) => statement.sql.includes('matched_idf'));
  /** Whether a scoring statement chose its candidates as chunks holding two of the words. */
  const byPairs = (statement: { bindings: unknown[] }) =>
    statement.bindings.some((value) => typeof value === 'string' && /\) & \(/.test(value));

  // 3,000 chunks: "lotion" in 600 of them, "serum" in 600 (100 of those with "lotion" too), "balsam"
  // in 600 (2 of those with "lotion"), "zeta" alone in 10; every chunk has a word of its own.
  const texts = Array.from({ length: 3000 }, (_, i) => {
    const words = [`item${i}`];
    if (i < 600) words.push('lotion');
    if (i >= 500 && i < 1100) words.push('serum');
    if ((i >= 2000 && i < 2598) || i === 0 || i === 1) words.push('balsam');
    if (i >= 2900 && i < 2910) words.push('zeta');
    return words.join(' ');
  });
  const index = indexedSuite(texts, { tokenCount: 3 });
  before(() => {
    index.knex.on('query', (query: { sql: string; bindings: unknown[] }) => statements.push(query));
  });

  it('ranks the passages holding both words first, scoring only those when they fill the answer', async () => {
    statements.length = 0;
    const hits = await index.search('lotion serum', { limit: 5 });
    expect(hits).to.have.length(5);
    for (const hit of hits) expect(hit.text).to.include('lotion').and.to.include('serum');
    expect(scoring().map(byPairs), 'one scoring statement, over the chunks holding both').to.deep.equal([true]);
  });

  it('fills the answer with single-word passages when too few hold both', async () => {
    statements.length = 0;
    const hits = await index.search('lotion balsam', { limit: 5 });
    expect(hits).to.have.length(5);
    expect(
      hits
        .slice(0, 2)
        .map((hit) => hit.text)
        .sort(),
    ).to.deep.equal(['item0 lotion balsam', 'item1 lotion balsam']);
    for (const hit of hits.slice(2)) expect(hit.text).to.match(/lotion|balsam/);
    expect(scoring().map(byPairs), 'the pairs, then every candidate').to.deep.equal([true, false]);
  });

  it('still finds a passage holding only a word much rarer than the others', async () => {
    statements.length = 0;
    const hits = await index.search('lotion serum zeta', { limit: 5 });
    expect(hits).to.have.length(5);
    for (const hit of hits) expect(hit.text).to.include('zeta');
    expect(scoring().map(byPairs), 'one scoring statement, over the pairs and the rare word').to.deep.equal([true]);
  });
});
