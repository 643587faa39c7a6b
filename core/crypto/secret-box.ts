// Encrypts secrets at rest (bot tokens, WhatsApp tokens, Google refresh tokens, WhatsApp Web session
// archives) with AES-256-GCM.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Sealed text (UTF-8 inside). */
const TEXT = 'v1';
/** Sealed bytes (a file, as it is: no text encoding inside the sealed body). */
const BYTES = 'b1';

export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
  encryptBytes(plain: Uint8Array): string;
  decryptBytes(sealed: string): Buffer;
}

/** What a sealed value holds, by its version: text (`encrypt`) or bytes (`encryptBytes`). */
export function sealedKind(sealed: string): 'text' | 'bytes' | undefined {
  const version = sealed.slice(0, sealed.indexOf('.'));
  return version === TEXT ? 'text' : version === BYTES ? 'bytes' : undefined;
}

/** `keyHex` is 32 bytes as 64 hex characters. */
export function createSecretBox(keyHex: string): SecretBox {
  const key = Buffer.from(keyHex, 'hex');
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes');

  function seal(version: string, plain: Uint8Array): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [
      version,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  function open(version: string, sealed: string): Buffer {
    const [found, iv, tag, body] = sealed.split('.');
    if (found !== version || !iv || !tag || body === undefined)
      throw new Error(`not a sealed ${version === TEXT ? 'secret' : 'file'}`);
    // A full 16-byte tag only: GCM would otherwise accept a truncated one.
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  }

  return {
    encrypt: (plaintext) => seal(TEXT, Buffer.from(plaintext, 'utf8')),
    decrypt: (sealed) => open(TEXT, sealed).toString('utf8'),
    encryptBytes: (plain) => seal(BYTES, plain),
    decryptBytes: (sealed) => open(BYTES, sealed),
  };
}
