// whatsapp-web.js RemoteAuth's store, in PostgreSQL: the session archive (a zip of the browser
// profile that holds the WhatsApp login) is sealed with the encryption key before it is written, so
// a database dump never holds a usable WhatsApp session. One row per integration, dropped with it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { sealedKind, type SecretBox } from '../../core/crypto/secret-box.ts';

/** The Store interface RemoteAuth calls (whatsapp-web.js `Store`). */
export interface RemoteAuthStore {
  sessionExists(options: { session: string }): Promise<boolean>;
  /** RemoteAuth has just written `<dataPath>/<session>.zip`; keep it. */
  save(options: { session: string }): Promise<void>;
  /** Write the kept archive to `path` for RemoteAuth to unpack. */
  extract(options: { session: string; path: string }): Promise<void>;
  delete(options: { session: string }): Promise<void>;
}

/**
 * A store bound to one integration (RemoteAuth names its session `RemoteAuth-<clientId>`, and the
 * client id is the integration id). `dataPath` is where RemoteAuth writes the archive before `save`.
 */
export function createSessionStore(deps: {
  db: Knex;
  secretBox: SecretBox;
  integrationId: string;
  ownerId: string;
  dataPath: string;
}): RemoteAuthStore {
  const { db, secretBox, integrationId, ownerId } = deps;
  const expected = `RemoteAuth-${integrationId}`;
  const own = (session: string) => {
    // A store serves exactly one session; anything else is a wiring mistake, never another owner's row.
    if (session !== expected) throw new Error(`this store keeps session ${expected}, not ${session}`);
    return db('whatsapp_web_sessions').where({ integration_id: integrationId, owner_id: ownerId });
  };
  return {
    async sessionExists({ session }) {
      return Boolean(await own(session).first('integration_id'));
    },
    async save({ session }) {
      own(session); // checks the name before reading anything
      const archive = await readFile(path.join(deps.dataPath, `${session}.zip`));
      const row = {
        archive_sealed: secretBox.encryptBytes(archive),
        archive_bytes: archive.byteLength,
        updated_at: new Date(),
      };
      await db('whatsapp_web_sessions')
        .insert({ integration_id: integrationId, owner_id: ownerId, ...row })
        .onConflict('integration_id')
        .merge(row);
    },
    async extract({ session, path: target }) {
      const row = await own(session).first<{ archive_sealed: string } | undefined>('archive_sealed');
      if (!row) throw new Error(`no stored session ${session}`);
      // Archives saved before sealed bytes existed hold base64 text (a third larger again): still read.
      const archive =
        sealedKind(row.archive_sealed) === 'text'
          ? Buffer.from(secretBox.decrypt(row.archive_sealed), 'base64')
          : secretBox.decryptBytes(row.archive_sealed);
      await writeFile(target, archive, { mode: 0o600 });
    },
    async delete({ session }) {
      await own(session).delete();
    },
  };
}
