// Connecting a channel while its service cannot be reached: a clear 503, nothing stored, server alive.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner } from '../support/owners.ts';

describe('bots: connecting while the channel is unreachable', () => {
  let t: TestSystem;
  before(async () => {
    // Nothing listens on port 9: both APIs refuse the connection at once.
    t = await startTestSystem({
      env: { TELEGRAM_API_ROOT: 'http://127.0.0.1:9', WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9' },
    });
  });
  after(async () => {
    await t.close();
  });

  it('answers 503 with a reason for Telegram and WhatsApp, stores nothing, and keeps serving', async () => {
    const owner = await registerOwner(t.http);
    const telegram = await t.http.post('/api/integrations/telegram', {
      token: owner.access,
      body: { token: `7200000001:${'A'.repeat(35)}` },
    });
    expect(telegram.status).to.equal(503);
    expect(telegram.body.detail).to.match(/Telegram cannot be reached/);
    const whatsapp = await t.http.post('/api/integrations/whatsapp', {
      token: owner.access,
      body: { phone_id: '106540352242922', token: 'EAAGm0PX4ZCpsBAKfakeToken', app_secret: 'a1b2c3d4e5f6' },
    });
    expect(whatsapp.status).to.equal(503);
    expect(whatsapp.body.detail).to.match(/WhatsApp cannot be reached/);
    expect(telegram.text + whatsapp.text)
      .to.not.include('AAAAAAAAAA')
      .and.not.include('EAAGm0PX4ZCpsBAKfakeToken');
    expect((await t.http.get('/api/integrations', { token: owner.access })).body).to.deep.equal([]);
    expect((await t.http.get('/health')).status).to.equal(200);
  });
});
