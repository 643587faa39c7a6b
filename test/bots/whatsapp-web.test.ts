// WhatsApp Web sessions (whatsapp-web.js): QR, status, answers, owner replies, reconnects, restarts,
// failures. The product runs for real over HTTP; only the whatsapp-web.js Client is a fake that emits
// the library's events.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { createTestStore, type TestStore } from '../support/test-store.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { trainAndWait, uploadFixture } from '../support/knowledge.ts';
import { eventually } from '../support/eventually.ts';
import { fakeWebClients, type FakeWebClient, type FakeWebClients } from '../fakes/whatsapp-web-client.ts';
import { BrowserMissingError, whatsappWebSessionsDir } from '../../bots/whatsapp/whatsapp-web-client.ts';
import { createSessionStore } from '../../bots/whatsapp/whatsapp-web-session-store.ts';

const CUSTOMER = '79160000001@c.us';

interface Integration {
  id: string;
  status: string;
  status_reason: string | null;
  display_phone_number?: string;
  mode?: string;
}

describe('bots/whatsapp: WhatsApp Web sessions (QR)', function () {
  this.timeout(60_000);
  let fakes: FakeWebClients;
  let store: TestStore;
  let t: TestSystem;
  let owner: RegisteredOwner;

  const integrationOf = async (id: string, who = owner): Promise<Integration | undefined> =>
    ((await t.http.get('/api/integrations', { token: who.access })).body as Integration[]).find(
      (item) => item.id === id,
    );
  const statusBecomes = (id: string, status: string, timeoutMs = 10_000) =>
    eventually(
      async () => {
        const integration = await integrationOf(id);
        return integration?.status === status ? integration : undefined;
      },
      timeoutMs,
      `status ${status}`,
    );
  const loginStore = (integrationId: string, dataPath = os.tmpdir()) =>
    createSessionStore({
      db: t.system.db.knex,
      secretBox: t.system.secretBox,
      integrationId,
      ownerId: owner.id,
      dataPath,
    });
  /** Keeps a login for the session as RemoteAuth does after a scan (it zips the browser profile, then saves it). */
  const saveLogin = async (integrationId: string) => {
    const dataPath = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-wa-'));
    try {
      writeFileSync(path.join(dataPath, `RemoteAuth-${integrationId}.zip`), 'PK saved login');
      await loginStore(integrationId, dataPath).save({ session: `RemoteAuth-${integrationId}` });
    } finally {
      rmSync(dataPath, { recursive: true, force: true });
    }
  };
  const connectWeb = async (who = owner) => {
    const response = await t.http.post('/api/integrations/whatsapp/', { token: who.access, body: { mode: 'web' } });
    expect(response.status, response.text).to.equal(201);
    return response.body as Integration & { qr_url: string };
  };

  before(async () => {
    fakes = fakeWebClients();
    store = createTestStore();
    t = await startTestSystem({
      whatsappWebClientFactory: fakes.factory,
      store,
      env: { WHATSAPP_WEB_START_TIMEOUT_MS: '1000' },
    });
    owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'price-list.xlsx');
    await trainAndWait(t.http, owner.access);
  });
  after(async () => {
    await t.close();
    await store.dispose();
  });

  it("a session beyond the server's limit of browsers stays pending and says why", async () => {
    const limited = await startTestSystem({
      whatsappWebClientFactory: fakes.factory,
      env: { WHATSAPP_WEB_START_TIMEOUT_MS: '1000', WHATSAPP_WEB_MAX_SESSIONS: '1' },
    });
    try {
      const who = await registerOwner(limited.http);
      const connect = async () =>
        (await limited.http.post('/api/integrations/whatsapp/', { token: who.access, body: { mode: 'web' } }))
          .body as Integration;
      const first = await connect();
      const second = await connect();
      const listed = (id: string) =>
        eventually(
          async () => {
            const items = (await limited.http.get('/api/integrations', { token: who.access })).body as Integration[];
            const item = items.find((candidate) => candidate.id === id);
            return item && /WHATSAPP_WEB_MAX_SESSIONS/.test(item.status_reason ?? '') ? item : undefined;
          },
          10_000,
          'the waiting reason',
        );
      expect(await listed(second.id)).to.include({ status: 'pending' });
      const firstNow = (
        (await limited.http.get('/api/integrations', { token: who.access })).body as Integration[]
      ).find((item) => item.id === first.id);
      expect(firstNow?.status).to.equal('pending_qr');
    } finally {
      await limited.close();
    }
  });

  describe('a session the phone scans', () => {
    let integration: Integration & { qr_url: string };
    let client: FakeWebClient;

    it('starts pending, shows a scannable QR code while pending_qr, and connects when the phone scans it', async () => {
      integration = await connectWeb();
      expect(integration).to.include({ type: 'whatsapp', mode: 'web', status: 'pending' });
      expect(integration.qr_url).to.equal(`/api/integrations/${integration.id}/qr`);

      client = await fakes.next(integration.id);
      const waiting = await statusBecomes(integration.id, 'pending_qr');
      expect(waiting.status_reason).to.match(/Linked devices/);
      const qr = await t.http.get(integration.qr_url, { token: owner.access });
      expect(qr.status, qr.text).to.equal(200);
      expect(qr.body.qr).to.match(/^2@fake-qr-/);
      const png = Buffer.from(String(qr.body.png).replace(/^data:image\/png;base64,/, ''), 'base64');
      expect(png.subarray(1, 4).toString('latin1'), 'a PNG image').to.equal('PNG');

      client.becomeReady('79161234567');
      const connected = await statusBecomes(integration.id, 'connected');
      expect(connected).to.include({ display_phone_number: '+79161234567', status_reason: null });
      const after = await t.http.get(integration.qr_url, { token: owner.access });
      expect(after.status).to.equal(409);
      expect(after.body.detail).to.match(/already connected/);
    });

    it('keeps the session to its owner: another owner can neither see its QR code nor remove it', async () => {
      const other = await registerOwner(t.http);
      expect((await t.http.get(integration.qr_url, { token: other.access })).status).to.equal(404);
      expect((await t.http.delete(`/api/integrations/${integration.id}`, { token: other.access })).status).to.equal(
        404,
      );
      expect((await t.http.post(`/api/integrations/${integration.id}/stop`, { token: other.access })).status).to.equal(
        404,
      );
      expect(await integrationOf(integration.id, other)).to.equal(undefined);
      expect((await integrationOf(integration.id))?.status).to.equal('connected');
    });

    it("answers customers from the owner's documents once per message, politely declines voice, and ignores groups and statuses", async () => {
      const question = client.customerWrites(CUSTOMER, 'Сколько стоит маникюр с покрытием?');
      const [answer] = await client.waitForSent(1);
      expect(answer).to.deep.include({ chatId: CUSTOMER });
      expect(answer!.text).to.include('1500');
      expect(client.seen).to.include(CUSTOMER);

      client.emit('message', question); // redelivered: stored once, answered once
      client.customerWrites('120363000000000001@g.us', 'Всем привет');
      client.customerWrites('status@broadcast', 'моя история', { isStatus: true });
      client.customerWrites(CUSTOMER, '', { type: 'ptt' });
      const sent = await client.waitForSent(2);
      expect(sent).to.have.length(2);
      expect(sent[1]).to.deep.equal({
        chatId: CUSTOMER,
        text: 'Я понимаю текстовые сообщения. Напишите, пожалуйста, вопрос текстом.',
      });
      expect(sent.filter((message) => message.text.includes('1500'))).to.have.length(1);
      expect(sent.map((message) => message.chatId)).to.deep.equal([CUSTOMER, CUSTOMER]);
    });

    it("shows the chat in history as whatsapp, and the owner's reply leaves through the session", async () => {
      const chats = (await t.http.get('/api/agent/history/', { token: owner.access })).body.items as {
        id: string;
        channel: string;
        customer_name: string;
      }[];
      const chat = chats.find((item) => item.channel === 'whatsapp');
      expect(chat).to.include({ channel: 'whatsapp', customer_name: 'Мария' });
      const reply = await t.http.post(`/api/agent/history/${chat!.id}/messages`, {
        token: owner.access,
        body: { text: 'Мария, ждём вас в субботу!' },
      });
      expect(reply.status, reply.text).to.equal(201);
      expect(client.sent.at(-1)).to.deep.equal({ chatId: CUSTOMER, text: 'Мария, ждём вас в субботу!' });
    });

    it('answers a customer whose chat WhatsApp Web identifies by a @lid id as well', async () => {
      const before = client.sent.length;
      client.customerWrites('201234567890123@lid', 'Сколько стоит маникюр с покрытием?');
      const sent = await client.waitForSent(before + 1);
      expect(sent.at(-1)!.chatId).to.equal('201234567890123@lid');
      expect(sent.at(-1)!.text).to.include('1500');
    });

    it('after WhatsApp drops the session (opened elsewhere, logged out on the phone) asks for a new scan', async () => {
      // CONFLICT: the library drops the login and closes; a new client starts and shows a QR code.
      await saveLogin(integration.id);
      fakes.behaviour = { initialize: (next) => void next.emit('qr', '2@after-conflict') };
      await client.libraryDisconnects('CONFLICT');
      const fresh = await fakes.next(integration.id, client);
      expect((await statusBecomes(integration.id, 'pending_qr')).status_reason).to.match(/Linked devices/);
      expect(fresh.restoredSession, 'the dropped login is not restored').to.equal(false);
      expect((await t.http.get(integration.qr_url, { token: owner.access })).body.qr).to.equal('2@after-conflict');
      fresh.becomeReady('79161234567');
      await statusBecomes(integration.id, 'connected');

      // LOGOUT: the same client shows a new QR code, and the scan connects it again.
      await saveLogin(integration.id);
      await fresh.libraryDisconnects('LOGOUT', '2@after-logout');
      await statusBecomes(integration.id, 'pending_qr');
      // Meanwhile the owner's reply cannot leave: refused with the reason, and not shown as sent.
      const chat = (
        (await t.http.get('/api/agent/history/', { token: owner.access })).body.items as {
          id: string;
          channel: string;
        }[]
      ).find((item) => item.channel === 'whatsapp')!;
      const refused = await t.http.post(`/api/agent/history/${chat.id}/messages`, {
        token: owner.access,
        body: { text: 'Вы здесь?' },
      });
      expect(refused.status).to.equal(422);
      expect(refused.body.detail, refused.body.detail).to.match(
        /could not be delivered: the WhatsApp Web session of this chat is not connected \(Scan the QR code/,
      );
      expect((await t.http.get(`/api/agent/history/${chat.id}`, { token: owner.access })).text).to.not.include(
        'Вы здесь?',
      );
      expect((await t.http.get(integration.qr_url, { token: owner.access })).body.qr).to.equal('2@after-logout');
      expect(fresh.destroyed, 'the client that shows the new QR code stays open').to.equal(false);
      expect(await loginStore(integration.id).sessionExists({ session: `RemoteAuth-${integration.id}` })).to.equal(
        false,
      );
      fresh.becomeReady('79161234567');
      await statusBecomes(integration.id, 'connected');
      client = fresh;
    });

    it('starting a session that already runs changes nothing', async () => {
      const again = await t.http.post(`/api/integrations/${integration.id}/start`, { token: owner.access });
      expect(again.body.status).to.equal('connected');
      expect(
        fakes.all.filter((item) => item.options.integrationId === integration.id && !item.destroyed),
      ).to.deep.equal([client]);
    });

    it('reconnects by itself, without a scan, when its browser dies', async () => {
      fakes.behaviour = {
        initialize: (next) =>
          next.restoredSession ? next.becomeReady('79161234567') : void next.emit('qr', '2@unexpected'),
      };
      await saveLogin(integration.id);
      client.emit('disconnected', 'BROWSER_CLOSED'); // what the adapter reports when Chromium exits
      const revived = await fakes.next(integration.id, client);
      await statusBecomes(integration.id, 'connected');
      expect(revived.restoredSession).to.equal(true);
      client = revived;
    });

    it('comes back after a restart from the saved login, without a new scan', async () => {
      const before = fakes.all.at(-1)!;
      await saveLogin(integration.id);
      await t.close();
      expect(before.destroyed, 'shutdown closes the browser').to.equal(true);
      expect(before.loggedOut, 'shutdown keeps the phone linked').to.equal(false);

      // The restarted process finds a saved login: the real client then reconnects with no QR code.
      fakes.behaviour = {
        initialize: (next) =>
          next.restoredSession ? next.becomeReady('79161234567') : void next.emit('qr', '2@unexpected'),
      };
      t = await startTestSystem({
        whatsappWebClientFactory: fakes.factory,
        store,
        env: { WHATSAPP_WEB_START_TIMEOUT_MS: '1000' },
      });
      const restarted = await fakes.next(integration.id, before);
      await statusBecomes(integration.id, 'connected');
      expect(restarted.restoredSession).to.equal(true);
      client = restarted;
    });

    it("stops and starts again on the owner's word, and removing it unlinks the phone and forgets the login", async () => {
      expect(
        (await t.http.post(`/api/integrations/${integration.id}/stop`, { token: owner.access })).body.status,
      ).to.equal('stopped');
      await eventually(async () => client.destroyed, 10_000, 'the browser to close');
      expect(client.loggedOut).to.equal(false);
      expect((await t.http.get(integration.qr_url, { token: owner.access })).body.detail).to.match(/stopped/);

      fakes.behaviour = { initialize: (next) => void next.emit('qr', '2@again') };
      expect(
        (await t.http.post(`/api/integrations/${integration.id}/start`, { token: owner.access })).body.status,
      ).to.equal('pending');
      const again = await fakes.next(integration.id, client);
      await statusBecomes(integration.id, 'pending_qr');
      again.becomeReady();
      await statusBecomes(integration.id, 'connected');

      expect((await t.http.delete(`/api/integrations/${integration.id}`, { token: owner.access })).status).to.equal(
        204,
      );
      await eventually(async () => again.loggedOut, 10_000, 'the phone to be unlinked');
      expect(
        await t.system.db.knex('whatsapp_web_sessions').where({ integration_id: integration.id }).first(),
      ).to.equal(undefined);
      expect((await t.http.get(integration.qr_url, { token: owner.access })).status).to.equal(404);
    });
  });

  describe('sessions that cannot start', () => {
    const failsWith = async (behaviour: FakeWebClients['behaviour'], reason: RegExp) => {
      fakes.behaviour = behaviour;
      const integration = await connectWeb();
      const failed = await statusBecomes(integration.id, 'error');
      expect(failed.status_reason).to.match(reason);
      expect((await t.http.get('/health')).status, 'the server keeps serving').to.equal(200);
      const qr = await t.http.get(`/api/integrations/${integration.id}/qr`, { token: owner.access });
      expect(qr.status).to.equal(409);
      expect(qr.body.detail).to.match(reason);
      expect((await t.http.delete(`/api/integrations/${integration.id}`, { token: owner.access })).status).to.equal(
        204,
      );
      return integration;
    };

    it('a missing browser ends in error with a reason a person understands', async () => {
      await failsWith(
        {
          factoryError: new BrowserMissingError(
            "Chromium was not found at /opt/none/chromium. Install Debian's chromium package",
          ),
        },
        /Chromium was not found at \/opt\/none\/chromium/,
      );
    });

    it('a browser that cannot reach WhatsApp Web ends in error', async () => {
      await failsWith(
        { initialize: () => Promise.reject(new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/')) },
        /could not be reached from this server/,
      );
    });

    it('a start that shows no QR code in time ends in error and closes the browser', async () => {
      const integration = await failsWith({ initialize: () => new Promise<void>(() => {}) }, /no QR code within 1 s/);
      expect(
        fakes.all
          .filter((client) => client.options.integrationId === integration.id)
          .every((client) => client.destroyed),
      ).to.equal(true);
    });

    it('a stop while the browser is still starting wins: late events do not revive it, and the browser is closed', async () => {
      let release: () => void = () => {};
      fakes.behaviour = { initialize: () => new Promise<void>((resolve) => (release = resolve)) };
      const integration = await connectWeb();
      const client = await fakes.next(integration.id);
      expect(
        (await t.http.post(`/api/integrations/${integration.id}/stop`, { token: owner.access })).body.status,
      ).to.equal('stopped');
      await eventually(async () => client.destroyed, 10_000, 'the browser to close');
      client.emit('qr', '2@late');
      client.becomeReady();
      release();
      expect((await integrationOf(integration.id))?.status).to.equal('stopped');
      expect(
        (await t.http.get(`/api/integrations/${integration.id}/qr`, { token: owner.access })).body.detail,
      ).to.match(/stopped/);
      await t.http.delete(`/api/integrations/${integration.id}`, { token: owner.access });
    });

    it('a browser that does not close is killed: the stop ends, and its profile goes only after the kill', async () => {
      let profileAtKill: boolean | undefined;
      let profile = '';
      fakes.behaviour = {
        initialize: (client) => void client.emit('qr', '2@hangs'),
        destroy: () => new Promise<void>(() => {}),
        kill: () => (profileAtKill = existsSync(profile)),
      };
      const integration = await connectWeb();
      const client = await fakes.next(integration.id);
      await statusBecomes(integration.id, 'pending_qr');
      profile = path.join(whatsappWebSessionsDir(t.system.config.dataDir), `RemoteAuth-${integration.id}`);
      mkdirSync(path.join(profile, 'Default'), { recursive: true });
      writeFileSync(path.join(profile, 'Default', 'Cookies'), 'the login');
      expect(
        (await t.http.post(`/api/integrations/${integration.id}/stop`, { token: owner.access })).body.status,
      ).to.equal('stopped');
      await eventually(
        async () => t.logs.some((line) => line.includes('channel runner stopped') && line.includes(integration.id)),
        10_000,
        'the session to stop',
      );
      expect(client.killed, 'the browser was killed').to.equal(true);
      expect(profileAtKill, 'the profile was still there while the browser ran').to.equal(true);
      expect(existsSync(profile), 'the profile is removed once the browser is gone').to.equal(false);
      await t.http.delete(`/api/integrations/${integration.id}`, { token: owner.access });
    });

    it('a QR code nobody scans ends in error, and starting again brings a new one', async () => {
      fakes.behaviour = { initialize: (client) => void client.emit('qr', '2@first') };
      const integration = await connectWeb();
      const client = await fakes.next(integration.id);
      await statusBecomes(integration.id, 'pending_qr');
      client.emit('disconnected', 'Max qrcode retries reached');
      expect((await statusBecomes(integration.id, 'error')).status_reason).to.match(/not scanned in time/);
      await t.http.post(`/api/integrations/${integration.id}/start`, { token: owner.access });
      await fakes.next(integration.id, client);
      await statusBecomes(integration.id, 'pending_qr');
      await t.http.delete(`/api/integrations/${integration.id}`, { token: owner.access });
    });

    it('refuses a body that mixes the web mode with Cloud API fields or carries stray fields (422), and starts nothing', async () => {
      const other = await registerOwner(t.http);
      const clientsBefore = fakes.all.length;
      for (const body of [
        { mode: 'web', phone_id: '1234567890', token: 'EAAG-a-long-token', app_secret: 'secret-12345' },
        { mode: 'web', extra: 1 },
      ]) {
        const response = await t.http.post('/api/integrations/whatsapp/', { token: other.access, body });
        expect(response.status, JSON.stringify(body)).to.equal(422);
      }
      expect((await t.http.get('/api/integrations', { token: other.access })).body).to.deep.equal([]);
      expect(fakes.all.length).to.equal(clientsBefore);
    });

    it('an owner may run two sessions at most (each is a browser on the server)', async () => {
      fakes.behaviour = { initialize: (client) => void client.emit('qr', '2@limit') };
      const other = await registerOwner(t.http);
      const first = await connectWeb(other);
      const second = await connectWeb(other);
      const third = await t.http.post('/api/integrations/whatsapp/', { token: other.access, body: { mode: 'web' } });
      expect(third.status).to.equal(409);
      expect(third.body.detail).to.match(/at most 2 WhatsApp Web sessions/);
      expect(
        (await t.http.post('/api/integrations/whatsapp/', { token: other.access, body: { mode: 'qr' } })).status,
      ).to.equal(422);
      for (const integration of [first, second])
        expect((await t.http.delete(`/api/integrations/${integration.id}`, { token: other.access })).status).to.equal(
          204,
        );
    });

    it('holds the limit when several sessions are asked for at once', async () => {
      fakes.behaviour = { initialize: (client) => void client.emit('qr', '2@at-once') };
      const other = await registerOwner(t.http);
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.http.post('/api/integrations/whatsapp/', { token: other.access, body: { mode: 'web' } }),
        ),
      );
      expect(answers.map((answer) => answer.status).sort()).to.deep.equal([201, 201, 409, 409, 409, 409]);
      const listed = (await t.http.get('/api/integrations', { token: other.access })).body as Integration[];
      expect(listed).to.have.length(2);
      for (const integration of listed)
        expect((await t.http.delete(`/api/integrations/${integration.id}`, { token: other.access })).status).to.equal(
          204,
        );
    });
  });
});
