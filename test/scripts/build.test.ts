import { statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { buildIsCurrent, buildProduct } from '../../scripts/build.mjs';
import { ROOT } from '../support/start-command.ts';

describe('scripts/build: the compiled product npm start runs', function () {
  this.timeout(60_000);

  it('counts as out of date once a source it was built from changes, and is current again after a build', async () => {
    await buildProduct();
    expect(buildIsCurrent()).to.equal(true);
    const source = path.join(ROOT, 'core', 'errors.ts');
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(mtime.getTime() + 1000));
      expect(buildIsCurrent(), 'after an edit').to.equal(false);
      await buildProduct();
      expect(buildIsCurrent(), 'after building again').to.equal(true);
    } finally {
      utimesSync(source, atime, mtime);
      await buildProduct(); // leaves dist/ current for the next npm start
    }
  });
});
