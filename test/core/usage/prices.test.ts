// Cost accounting: table prices, dated snapshots, overrides and unknown models.
import { expect } from 'chai';
import { costUsd, priceOverridesSchema } from '../../../core/usage/prices.ts';

describe('costUsd', () => {
  it('prices prompt and completion tokens per million from the table', () => {
    // gpt-4o-mini: $0.15 in, $0.60 out per 1M tokens.
    expect(costUsd('gpt-4o-mini', 1_000_000, 1_000_000)).to.be.closeTo(0.75, 1e-12);
    expect(costUsd('gpt-4o', 2_000, 500)).to.be.closeTo((2_000 * 2.5 + 500 * 10) / 1e6, 1e-12);
    expect(costUsd('text-embedding-3-small', 50_000, 0)).to.be.closeTo(0.001, 1e-12);
  });

  it('bills a dated snapshot like its family, and an unknown model as free', () => {
    expect(costUsd('gpt-4o-mini-2024-07-18', 1_000_000, 0)).to.be.closeTo(0.15, 1e-12);
    expect(costUsd('llama3.1:8b', 1_000_000, 1_000_000)).to.equal(0);
    expect(costUsd('constructor', 1_000_000, 1_000_000)).to.equal(0);
  });

  it('lets overrides replace table prices and price unknown models', () => {
    const overrides = priceOverridesSchema.parse(
      JSON.parse('{"gpt-4o-mini": {"input": 1, "output": 2}, "llama3.1:8b": {"input": 0.05, "output": 0.1}}'),
    );
    expect(costUsd('gpt-4o-mini', 1_000_000, 1_000_000, overrides)).to.be.closeTo(3, 1e-12);
    expect(costUsd('llama3.1:8b', 2_000_000, 0, overrides)).to.be.closeTo(0.1, 1e-12);
    expect(costUsd('gpt-4o', 1_000_000, 0, overrides)).to.be.closeTo(2.5, 1e-12);
  });

  it('rejects malformed overrides', () => {
    expect(priceOverridesSchema.safeParse({ 'gpt-4o': { input: -1, output: 1 } }).success).to.equal(false);
    expect(priceOverridesSchema.safeParse({ 'gpt-4o': { input: 1 } }).success).to.equal(false);
    expect(priceOverridesSchema.safeParse({ 'gpt-4o': { input: 1, output: 2, currency: 'EUR' } }).success).to.equal(
      false,
    );
  });
});
