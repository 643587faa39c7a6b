// The owner's model calls are limited (MODEL_CALLS_PER_MINUTE, MODEL_CONCURRENCY): a flood of test-chat
// requests makes no more model calls than allowed, and the rest are told when to come back.
import { expect } from 'chai';
import { startTestSystem } from '../support/test-system.ts';
import { registerOwner } from '../support/owners.ts';
import { eventually } from '../support/eventually.ts';
import { startFakeOpenAI } from '../fakes/openai-server.ts';

describe('api/model call limits', function () {
  this.timeout(120_000);

  it('200 test-chat requests at once make at most the allowed model calls; the rest get 429 with Retry-After', async () => {
    const PER_MINUTE = 5;
    const AT_ONCE = 2;
    const model = await startFakeOpenAI({ apiKey: 'k' });
    const t = await startTestSystem({
      env: {
        OPENAI_API_KEY: 'k',
        OPENAI_BASE_URL: model.url,
        LLM_TIMEOUT_MS: '30000',
        MODEL_CALLS_PER_MINUTE: String(PER_MINUTE),
        MODEL_CONCURRENCY: String(AT_ONCE),
      },
    });
    let release: () => void = () => {};
    try {
      const owner = await registerOwner(t.http);
      // The model answers only once every request has either come back or is waiting on it, so calls
      // that were let through are all running together at that moment.
      const gate = new Promise<void>((resolve) => (release = resolve));
      let running = 0;
      let mostAtOnce = 0;
      model.reply(async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await gate;
        running -= 1;
        return { text: 'Маникюр стоит 1500 руб.' };
      });
      const settled: { status: number; retryAfter: string | null; detail: unknown }[] = [];
      const requests = Array.from({ length: 200 }, () =>
        t.http
          .post('/api/agent/test/', { token: owner.access, body: { message: 'Сколько стоит маникюр?' } })
          .then((response) =>
            settled.push({
              status: response.status,
              retryAfter: response.headers.get('retry-after'),
              detail: response.body?.detail,
            }),
          ),
      );
      await eventually(
        async () => settled.length + running === 200,
        60_000,
        'every request to settle or reach the model',
      );
      release();
      await Promise.all(requests);

      const calls = model.requests.filter((request) => request.path === '/v1/chat/completions');
      expect(calls.length, 'model calls').to.be.within(1, PER_MINUTE);
      expect(mostAtOnce, 'model calls at once').to.be.at.most(AT_ONCE);
      const refused = settled.filter((response) => response.status === 429);
      const taken = settled.filter((response) => response.status === 200);
      expect(taken.length + refused.length, JSON.stringify(settled.filter((r) => r.status !== 429))).to.equal(200);
      expect(taken.length).to.be.at.most(PER_MINUTE);
      for (const response of refused) {
        expect(response.retryAfter).to.match(/^\d+$/);
        expect(Number(response.retryAfter)).to.be.within(1, 60);
        expect(response.detail)
          .to.be.a('string')
          .and.match(/try again/);
      }
    } finally {
      release();
      await t.close();
      await model.close();
    }
  });
});
