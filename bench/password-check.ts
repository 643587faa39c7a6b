// How long the new-password check (core/accounts/password-policy.ts) takes: the first call, which
// loads zxcvbn and its lists, and later calls for a few passwords (mean of 20 each).
// Run: node --import tsx bench/password-check.ts
import { passwordProblem } from '../core/accounts/password-policy.ts';

async function main(): Promise<void> {
  const started = performance.now();
  await passwordProblem('first check loads the lists');
  const first = performance.now() - started;
  const lines = [`first check (loads the lists): ${first.toFixed(0)} ms`];
  for (const password of ['correct horse battery', 'P@ssw0rd', 'a long password 1', 'qwerty123', 'x'.repeat(256)]) {
    const start = performance.now();
    for (let i = 0; i < 20; i++) await passwordProblem(password, ['anna@example.com', 'Lotus Beauty']);
    lines.push(`${password.length} characters: ${((performance.now() - start) / 20).toFixed(1)} ms per check`);
  }
  console.log(lines.join('\n'));
}

void main();
