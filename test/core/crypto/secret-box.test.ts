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

  it('needs a 32-byte key', () => {
    expect(() => createSecretBox('abcd')).to.throw(/32 bytes/);
  });
});
