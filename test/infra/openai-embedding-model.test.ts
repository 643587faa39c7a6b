// The OpenAI embedding adapter over real HTTP against the local fake: batching, order, usage, errors.
import { expect } from 'chai';
import OpenAI from 'openai';
import { OpenAIEmbeddingModel } from '../../infra/openai-embedding-model.ts';
import {
  FAKE_EMBEDDING_DIMENSIONS,
  fakeEmbedding,
  fakeTokenCount,
  startFakeOpenAI,
  type FakeOpenAIServer,
} from '../fakes/openai-server.ts';
import { rejection } from '../support/model-errors.ts';

const cosine = (a: number[], b: number[]): number => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((value, i) => {
    const other = b[i] ?? 0;
    dot += value * other;
    na += value * value;
    nb += other * other;
  });
  return dot / Math.sqrt(na * nb);
};

describe('OpenAIEmbeddingModel', () => {
  let fake: FakeOpenAIServer;
  const embedder = (overrides: Partial<ConstructorParameters<typeof OpenAIEmbeddingModel>[0]> = {}) =>
    new OpenAIEmbeddingModel({
      apiKey: fake.apiKey,
      baseURL: fake.url,
      model: 'text-embedding-3-small',
      maxRetries: 2,
      ...overrides,
    });

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-embed-0123456789abcdef' });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('batches inputs and returns one vector per input, in input order, with summed usage', async () => {
    const texts = [
      'haircut 30 euro',
      'manicure 25 euro',
      'open monday to friday',
      'parking behind the salon',
      'gift cards available',
    ];
    const result = await embedder({ batchSize: 2 }).embed(texts);

    expect(fake.requests.map((request) => request.body)).to.deep.equal([
      { model: 'text-embedding-3-small', input: texts.slice(0, 2), encoding_format: 'float' },
      { model: 'text-embedding-3-small', input: texts.slice(2, 4), encoding_format: 'float' },
      { model: 'text-embedding-3-small', input: texts.slice(4), encoding_format: 'float' },
    ]);
    // The fake returns each batch in reverse array order, so this also proves the adapter sorts by index.
    expect(result.vectors).to.deep.equal(texts.map(fakeEmbedding));
    expect(result.vectors[0]).to.have.length(FAKE_EMBEDDING_DIMENSIONS);
    expect(result.model).to.equal('text-embedding-3-small');
    expect(result.usage.promptTokens).to.equal(texts.reduce((sum, text) => sum + fakeTokenCount(text), 0));
    expect(fake.requests[0]?.headers.authorization).to.equal('Bearer sk-embed-0123456789abcdef');
  });

  it('gives similar texts a higher cosine similarity than unrelated ones', async () => {
    const { vectors } = await embedder().embed([
      'How much does a haircut cost?',
      'What does a haircut cost at the salon?',
      'Where can I park my car overnight?',
    ]);
    const [question, paraphrase, unrelated] = vectors;
    if (!question || !paraphrase || !unrelated) throw new Error('expected three vectors');
    expect(cosine(question, paraphrase)).to.be.greaterThan(cosine(question, unrelated) + 0.3);
  });

  it('sends nothing for no input', async () => {
    const result = await embedder().embed([]);
    expect(result).to.deep.equal({ vectors: [], model: 'text-embedding-3-small', usage: { promptTokens: 0 } });
    expect(fake.requests).to.have.length(0);
  });

  it('retries a 503 and succeeds', async () => {
    fake.failNext(1, 503, { 'retry-after-ms': '5' });
    const result = await embedder().embed(['hello there']);
    expect(result.vectors).to.deep.equal([fakeEmbedding('hello there')]);
    expect(fake.requests).to.have.length(2);
  });

  it('ends a persistent 500 in a retryable ModelError', async () => {
    fake.failNext(10, 500, { 'retry-after-ms': '5' });
    const error = await rejection(embedder({ maxRetries: 1 }).embed(['hello']));
    expect(error.retryable).to.equal(true);
    expect(error.message).to.contain('HTTP 500');
    expect(fake.requests).to.have.length(2);
  });

  it('ends a wrong key in a non-retryable ModelError that does not contain the key', async () => {
    const wrongKey = 'sk-embed-wrong-fedcba9876543210';
    const error = await rejection(embedder({ apiKey: wrongKey }).embed(['hello']));
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain('401');
    expect(error.message).not.to.contain(wrongKey);
    expect(fake.requests).to.have.length(1);
  });

  it('reports a server rejecting the input (400) as not retryable', async () => {
    const error = await rejection(embedder().embed(['fine', '']));
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain('HTTP 400');
  });

  it('gives up on a slow batch after timeoutMs with a retryable ModelError', async () => {
    fake.delayNext(2_000);
    const started = Date.now();
    const error = await rejection(embedder({ timeoutMs: 200, maxRetries: 0 }).embed(['hello']));
    expect(error.retryable).to.equal(true);
    expect(error.message).to.contain('200 ms');
    expect(Date.now() - started).to.be.below(1_500);
  });
});

describe('fake OpenAI embeddings', () => {
  it("answers the SDK's default base64 encoding with the same vectors", async () => {
    const fake = await startFakeOpenAI();
    try {
      const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0, timeout: 5_000 });
      const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one two', 'three'] });
      expect(fake.requests[0]?.body).to.deep.include({ encoding_format: 'base64' });
      const byIndex = [...response.data].sort((a, b) => a.index - b.index);
      byIndex.forEach((item, i) => {
        const expected = fakeEmbedding(['one two', 'three'][i] ?? '');
        for (const [j, value] of item.embedding.entries()) expect(value).to.be.closeTo(expected[j] ?? NaN, 1e-6);
      });
      expect(byIndex).to.have.length(2);
    } finally {
      await fake.close();
    }
  });
});
