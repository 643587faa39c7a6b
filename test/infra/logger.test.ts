import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../infra/logger.ts';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', sink), text: () => lines.join('') };
}

describe('infra/logger keeps secrets out of the log', () => {
  const token = '7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

  it('scrubs bot tokens from error messages and stacks (grammY puts the request URL there)', () => {
    const { logger, text } = capture();
    logger.error({ err: new Error(`request to http://127.0.0.1/bot${token}/getMe failed`) }, `calling bot${token}`);
    expect(text()).to.include('[redacted-token]');
    expect(text()).to.not.include('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
  });

  it('drops request contexts carried by errors, and redacts secret fields by name', () => {
    const { logger, text } = capture();
    const error = Object.assign(new Error('handler failed'), {
      ctx: { api: { token }, message: { text: 'private customer text' } },
    });
    logger.error({ err: error, body: { password: 'hunter2hunter2', refresh: 'refresh-secret' } }, 'failed');
    expect(text()).to.not.include('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    expect(text()).to.not.include('private customer text');
    expect(text()).to.not.include('hunter2hunter2');
    expect(text()).to.not.include('refresh-secret');
    expect(text()).to.include('handler failed');
  });
});
