// On the embedded default, generates JWT and encryption secrets once into DATA_DIR so restarts keep
// sessions valid and stored secrets readable. Production supplies both through the environment.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

interface LocalSecrets {
  jwtSecret: string;
  encryptionKey: string;
}

export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    if (typeof stored.jwtSecret === 'string' && typeof stored.encryptionKey === 'string') {
      return { jwtSecret: stored.jwtSecret, encryptionKey: stored.encryptionKey };
    }
    throw new Error(`${file} is damaged: delete it only if you accept losing sessions and stored integration secrets`);
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = { jwtSecret: randomBytes(48).toString('base64url'), encryptionKey: randomBytes(32).toString('hex') };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  return secrets;
}
