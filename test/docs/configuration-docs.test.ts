import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const read = (relative: string) => readFileSync(new URL(relative, root), 'utf8');

describe('docs', () => {
  it('documents every setting core/config.ts reads, in the README or docs/', () => {
    // The environment schema's keys: the lines `  NAME: z…` of core/config.ts.
    const settings = [...read('core/config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]!);
    expect(settings).to.include.members(['DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL']);
    const docs = [
      read('README.md'),
      ...readdirSync(new URL('docs/', root))
        .filter((name) => name.endsWith('.md'))
        .map((name) => read(`docs/${name}`)),
    ].join('\n');
    const undocumented = settings.filter((name) => !docs.includes(`\`${name}\``));
    expect(undocumented, 'settings missing from the docs').to.deep.equal([]);
  });

  it('keeps the README short enough to read in five minutes', () => {
    expect(read('README.md').split('\n').length).to.be.at.most(200);
  });
});
