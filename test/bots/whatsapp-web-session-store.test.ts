// RemoteAuth's store: session archives sealed at rest, one session per integration and owner.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createSecretBox } from '../../core/crypto/secret-box.ts';
import { createSessionStore } from '../../bots/whatsapp/whatsapp-web-session-store.ts';
import { testDatabase } from '../setup.ts';
import type { Knex } from 'knex';

async function ownerWithWebIntegration(db: Knex): Promise<{ ownerId: string; integrationId: string }> {
  const [owner] = await db('owners')
    .insert({ email: `wa-${randomBytes(6).toString('hex')}@example.com`, password_hash: 'x', salon_name: 'Lotus' })
    .returning<{ id: string }[]>('id');
  const [integration] = await db('integrations')
    .insert({ owner_id: owner!.id, type: 'whatsapp', status: 'stopped', public_info: JSON.stringify({ mode: 'web' }) })
    .returning<{ id: string }[]>('id');
  return { ownerId: owner!.id, integrationId: integration!.id };
}

describe('bots/whatsapp: the sealed WhatsApp Web session store', function () {
  this.timeout(30_000);
  const secretBox = createSecretBox('1f'.repeat(32));
  let dir: string;
  let db: Knex;

  before(async () => {
    db = (await testDatabase()).db.knex;
    dir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-wa-store-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the archive RemoteAuth wrote, sealed, and gives back the same bytes', async () => {
    const { ownerId, integrationId } = await ownerWithWebIntegration(db);
    const store = createSessionStore({ db, secretBox, integrationId, ownerId, dataPath: dir });
    const session = `RemoteAuth-${integrationId}`;
    expect(await store.sessionExists({ session })).to.equal(false);

    const archive = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from('the WhatsApp login keys '.repeat(50))]);
    writeFileSync(path.join(dir, `${session}.zip`), archive);
    await store.save({ session });
    await store.save({ session }); // RemoteAuth backs up again every few minutes: one row, replaced
    expect(await store.sessionExists({ session })).to.equal(true);

    const rows = await db('whatsapp_web_sessions').where({ integration_id: integrationId });
    expect(rows).to.have.length(1);
    expect(rows[0].archive_bytes).to.equal(archive.byteLength);
    expect(rows[0].archive_sealed)
      .to.not.include('WhatsApp login')
      .and.not.include(archive.toString('base64').slice(0, 40));
    // Sealed as bytes: about a third larger than the archive, not the 16/9 of sealing its base64 text.
    expect(rows[0].archive_sealed.length).to.be.below((archive.byteLength * 4) / 3 + 64);

    const target = path.join(dir, 'restored.zip');
    await store.extract({ session, path: target });
    expect(readFileSync(target).equals(archive)).to.equal(true);

    await store.delete({ session });
    expect(await store.sessionExists({ session })).to.equal(false);
  });

  it('still restores an archive sealed as base64 text, the format before sealed bytes', async () => {
    const { ownerId, integrationId } = await ownerWithWebIntegration(db);
    const session = `RemoteAuth-${integrationId}`;
    const archive = Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(2000)]);
    await db('whatsapp_web_sessions').insert({
      integration_id: integrationId,
      owner_id: ownerId,
      archive_sealed: secretBox.encrypt(archive.toString('base64')),
      archive_bytes: archive.byteLength,
    });
    const target = path.join(dir, 'restored-old.zip');
    await createSessionStore({ db, secretBox, integrationId, ownerId, dataPath: dir }).extract({
      session,
      path: target,
    });
    expect(readFileSync(target).equals(archive)).to.equal(true);
  });

  it('serves only its own session: another name is refused, another owner sees nothing', async () => {
    const a = await ownerWithWebIntegration(db);
    const b = await ownerWithWebIntegration(db);
    const storeA = createSessionStore({ db, secretBox, ...a, dataPath: dir });
    writeFileSync(path.join(dir, `RemoteAuth-${a.integrationId}.zip`), 'PK a');
    await storeA.save({ session: `RemoteAuth-${a.integrationId}` });

    let refused: unknown;
    await storeA
      .sessionExists({ session: `RemoteAuth-${b.integrationId}` })
      .catch((error: unknown) => (refused = error));
    expect(String(refused)).to.match(/not RemoteAuth-/);
    // Owner B's store pointed at A's integration (a wiring mistake) finds nothing and deletes nothing.
    const crossed = createSessionStore({
      db,
      secretBox,
      integrationId: a.integrationId,
      ownerId: b.ownerId,
      dataPath: dir,
    });
    expect(await crossed.sessionExists({ session: `RemoteAuth-${a.integrationId}` })).to.equal(false);
    await crossed.delete({ session: `RemoteAuth-${a.integrationId}` });
    expect(await storeA.sessionExists({ session: `RemoteAuth-${a.integrationId}` })).to.equal(true);
  });

  it('is forgotten with its integration', async () => {
    const a = await ownerWithWebIntegration(db);
    const store = createSessionStore({ db, secretBox, ...a, dataPath: dir });
    writeFileSync(path.join(dir, `RemoteAuth-${a.integrationId}.zip`), 'PK a');
    await store.save({ session: `RemoteAuth-${a.integrationId}` });
    await db('integrations').where({ id: a.integrationId }).delete();
    expect(await db('whatsapp_web_sessions').where({ integration_id: a.integrationId }).first()).to.equal(undefined);
  });
});
