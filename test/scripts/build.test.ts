import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { buildIsCurrent, buildProduct } from '../../scripts/build.mjs';
import { ROOT } from '../support/start-command.ts';

describe('scripts/build: the compiled product npm start runs', function () {
  this.timeout(60_000);

  it('counts as out of date once a source it was built from changes, and is current again after a build', async () => {
    // A build of its own, so dist/ (what npm start runs) is left as it is.
    const outdir = path.join(mkdtempSync(path.join(os.tmpdir(), 'frontdesk-build-')), 'dist');
    const source = path.join(ROOT, 'core', 'errors.ts');
    const { atime, mtime } = statSync(source);
    try {
      expect(buildIsCurrent(outdir), 'before any build').to.equal(false);
      await buildProduct(outdir);
      expect(buildIsCurrent(outdir)).to.equal(true);
      utimesSync(source, atime, new Date(mtime.getTime() + 1000));
      expect(buildIsCurrent(outdir), 'after an edit').to.equal(false);
      await buildProduct(outdir);
      expect(buildIsCurrent(outdir), 'after building again').to.equal(true);
    } finally {
      utimesSync(source, atime, mtime);
      rmSync(path.dirname(outdir), { recursive: true, force: true });
    }
  });
});
