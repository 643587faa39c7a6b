// The OpenAI chat adapter over real HTTP against the local fake: what reaches the server, retries, errors, timeouts.
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import OpenAI from 'openai';
import { OpenAIChatModel } from '../../infra/openai-chat-model.ts';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai-server.ts';
import { rejection } from '../support/model-errors.ts';

// A tiny retry-after keeps retry tests fast without touching the SDK's backoff logic.
const FAST_RETRY = { 'retry-after-ms': '5' };

describe('OpenAIChatModel', () => {
  let fake: FakeOpenAIServer;
  const chat = (overrides: Partial<ConstructorParameters<typeof OpenAIChatModel>[0]> = {}) =>
    new OpenAIChatModel({ apiKey: fake.apiKey, baseURL: fake.url, model: 'gpt-4o-mini', maxRetries: 2, ...overrides });

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test-0123456789abcdef' });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends the system and user messages and the model name, and returns the answer with usage', async () => {
    const result = await chat().complete([
      { role: 'system', content: 'You are the front desk of Salon Lily.' },
      { role: 'user', content: 'Do you cut hair on Sundays?' },
    ]);

    expect(result.text).to.equal('Echo: Do you cut hair on Sundays?');
    expect(result.model).to.equal('gpt-4o-mini');
    // The fake counts one token per word: 8 + 6 in the prompt, 7 in the answer.
    expect(result.usage).to.deep.equal({ promptTokens: 14, completionTokens: 7 });
    expect(fake.requests).to.have.length(1);
    const [request] = fake.requests;
    expect(request?.path).to.equal('/v1/chat/completions');
    expect(request?.headers.authorization).to.equal('Bearer sk-test-0123456789abcdef');
    expect(request?.body).to.deep.include({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are the front desk of Salon Lily.' },
        { role: 'user', content: 'Do you cut hair on Sundays?' },
      ],
    });
  });

  it('passes maxTokens as max_completion_tokens and reports the usage the server returns', async () => {
    fake.reply(() => ({ text: 'Yes.', usage: { prompt_tokens: 1234, completion_tokens: 56 } }));
    const result = await chat().complete([{ role: 'user', content: 'Open today?' }], { maxTokens: 200 });

    expect(result).to.deep.equal({
      text: 'Yes.',
      model: 'gpt-4o-mini',
      usage: { promptTokens: 1234, completionTokens: 56 },
    });
    expect(fake.requests[0]?.body).to.deep.include({ max_completion_tokens: 200 });
  });

  it('reports zero usage when the server omits it', async () => {
    fake.reply(() => ({ text: 'Hi', usage: null }));
    const result = await chat().complete([{ role: 'user', content: 'Hello' }]);
    expect(result.usage).to.deep.equal({ promptTokens: 0, completionTokens: 0 });
  });

  it('sends images as base64 data URLs next to the text', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]);
    const result = await chat().complete([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is on this price list?' },
          { type: 'image', mimeType: 'image/png', data: png },
        ],
      },
    ]);

    expect(result.text).to.equal('Echo: What is on this price list?');
    expect(fake.requests[0]?.body).to.deep.include({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is on this price list?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(png).toString('base64')}` } },
          ],
        },
      ],
    });
  });

  it('retries a 500 and succeeds', async () => {
    fake.failNext(1, 500, FAST_RETRY);
    const result = await chat().complete([{ role: 'user', content: 'Price of a manicure?' }]);
    expect(result.text).to.equal('Echo: Price of a manicure?');
    expect(fake.requests).to.have.length(2);
  });

  it('retries a 429 that asks for a short wait', async () => {
    fake.failNext(1, 429, { 'retry-after': '0' });
    const result = await chat().complete([{ role: 'user', content: 'Book me in' }]);
    expect(result.text).to.equal('Echo: Book me in');
    expect(fake.requests).to.have.length(2);
  });

  it('fails at once, retryable, when a 429 asks for a longer wait than it is willing to sleep', async () => {
    fake.failNext(3, 429, { 'retry-after': '3600' });
    const started = Date.now();
    const error = await rejection(chat().complete([{ role: 'user', content: 'Book me in' }]));
    expect(error.retryable).to.equal(true);
    expect(error.message).to.match(/rate limited.*retry after 3600 s/);
    expect(fake.requests).to.have.length(1);
    expect(Date.now() - started).to.be.below(2_000);
  });

  it('ends a persistent 500 in a retryable ModelError after its retries', async () => {
    fake.failNext(10, 500, FAST_RETRY);
    const error = await rejection(chat({ maxRetries: 2 }).complete([{ role: 'user', content: 'Hello' }]));
    expect(error.retryable).to.equal(true);
    expect(error.message).to.contain('HTTP 500');
    expect(fake.requests).to.have.length(3);
  });

  it('ends a wrong key in a non-retryable ModelError that does not contain the key', async () => {
    const wrongKey = 'sk-wrong-key-abcdef0123456789';
    const error = await rejection(chat({ apiKey: wrongKey }).complete([{ role: 'user', content: 'Hello' }]));
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain('401');
    expect(error.message).not.to.contain(wrongKey);
    expect(error.message).not.to.contain('abcdef0123456789');
    expect(JSON.stringify(error.cause)).not.to.contain(wrongKey);
    expect(fake.requests).to.have.length(1);
  });

  it('does not retry a model the server does not know (404)', async () => {
    fake.reply(() => ({
      status: 404,
      body: {
        error: {
          message: 'The model `gpt-nope` does not exist',
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      },
    }));
    const error = await rejection(chat({ model: 'gpt-nope' }).complete([{ role: 'user', content: 'Hello' }]));
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain('gpt-nope');
    expect(fake.requests).to.have.length(1);
  });

  it('gives up on a slow server after timeoutMs with a retryable ModelError', async () => {
    fake.reply(() => ({ delayMs: 2_000, text: 'too late' }));
    const started = Date.now();
    const error = await rejection(
      chat({ timeoutMs: 200, maxRetries: 0 }).complete([{ role: 'user', content: 'Hello' }]),
    );
    const elapsed = Date.now() - started;
    expect(error.retryable).to.equal(true);
    expect(error.message).to.contain('200 ms');
    expect(elapsed).to.be.at.least(150).and.below(1_500);
  });

  it('stops when the caller aborts, without retrying', async () => {
    fake.reply(() => ({ delayMs: 5_000, text: 'too late' }));
    const controller = new AbortController();
    const pending = chat().complete([{ role: 'user', content: 'Hello' }], { signal: controller.signal });
    await fake.waitFor((request) => request.path === '/v1/chat/completions');
    controller.abort();
    const error = await rejection(pending);
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain('aborted');
    expect(fake.requests).to.have.length(1);
  });

  it('reports an unreachable server as retryable', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    const error = await rejection(
      chat({ baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).complete([{ role: 'user', content: 'Hello' }]),
    );
    expect(error.retryable).to.equal(true);
    expect(error.message).to.contain('could not reach the server');
  });
});

describe('fake OpenAI server', () => {
  let fake: FakeOpenAIServer;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('streams a chat completion as SSE chunks the SDK can read, with a final usage chunk', async () => {
    const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0, timeout: 5_000 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Are you open on Monday?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).to.equal('Echo: Are you open on Monday?');
    expect(chunks).to.be.greaterThan(3);
    expect(usage).to.deep.equal({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });

    const raw = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    });
    expect(raw.headers.get('content-type')).to.equal('text/event-stream');
    const body = await raw.text();
    expect(body.endsWith('data: [DONE]\n\n')).to.equal(true);
    expect(body).not.to.contain('"usage"');
  });

  it('lists models and answers a missing key with 401 in the OpenAI error shape', async () => {
    const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0, timeout: 5_000 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).to.deep.equal(['gpt-4o-mini', 'text-embedding-3-small']);

    const response = await fetch(`${fake.url}/models`);
    expect(response.status).to.equal(401);
    const body: unknown = await response.json();
    expect(body).to.have.nested.property('error.code', 'invalid_api_key');
    expect(body).to.have.nested.property('error.type', 'invalid_request_error');
  });
});
