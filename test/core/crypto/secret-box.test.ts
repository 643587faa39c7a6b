import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createSecretBox } from '../../../core/crypto/secret-box.ts';

describe('core/crypto/secret-box', () => {
  const box = createSecretBox('11'.repeat(32));

  it('round-trips a secret and never stores it in the clear', () => {
    const sealed = box.encrypt('123456:ABC-bot-token');
    expect(sealed).to.not.include('ABC-bot-token');
    expect(box.decrypt(sealed)).to.equal('123456:ABC-bot-token');
    expect(box.encrypt('same')).to.not.equal(box.encrypt('same'));
  });

  it('refuses a tampered value and a value sealed with another key', () => {
    const sealed = box.encrypt('secret');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).to.throw();
    expect(() => createSecretBox('22'.repeat(32)).decrypt(sealed)).to.throw();
    expect(() => box.decrypt('plain text')).to.throw(/not a sealed secret/);
  });

  it('seals bytes as they are, a third larger in text, and keeps texts and bytes apart', () => {
    const file = randomBytes(30_000);
    const sealed = box.encryptBytes(file);
    expect(box.decryptBytes(sealed).equals(file)).to.equal(true);
    // base64url of the body plus a short header; sealing base64 text of the file was 16/9 of it.
    expect(sealed.length).to.be.below((file.length * 4) / 3 + 64);
    expect(() => box.decrypt(sealed)).to.throw(/not a sealed secret/);
    expect(() => box.decryptBytes(box.encrypt('secret'))).to.throw(/not a sealed file/);
  });

  it('needs a 32-byte key', () => {
    expect(() => createSecretBox('abcd')).to.throw(/32 bytes/);
  });
});
