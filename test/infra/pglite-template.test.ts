import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createDatabase, migrateToLatest } from '../../infra/database.ts';
import { seedFromTemplate } from '../../infra/pglite.ts';
import { createPgliteTemplate } from '../../infra/pglite-template.ts';

describe('infra/pglite: the install-time data directory template', function () {
  this.timeout(60_000);
  let root: string;
  let template: string;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-pglite-'));
    template = path.join(root, 'cache', 'template');
    expect(await createPgliteTemplate(template)).to.equal('created');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is made once, cleanly, with no scratch directory left beside it', async () => {
    expect(await createPgliteTemplate(template)).to.equal('exists');
    expect(readdirSync(path.dirname(template))).to.deep.equal(['template']);
  });

  it('seeds an empty DATA_DIR with a migrated database, and each copy is its own database', async () => {
    const first = createDatabase({ kind: 'pglite', dir: path.join(root, 'a', 'pgdata'), templateDir: template });
    expect(await migrateToLatest(first.knex), 'migrations left to apply').to.deep.equal([]);
    expect(await first.knex('owners').count({ n: '*' }).first()).to.deep.equal({ n: 0 });
    expect(readdirSync(path.join(root, 'a', 'pgdata')), 'the manifest stays with the template').not.to.include(
      'frontdesk-template.json',
    );
    await first.knex.raw('create table kept (x int)');
    await first.knex('kept').insert({ x: 7 });
    await first.close();

    const second = createDatabase({ kind: 'pglite', dir: path.join(root, 'b', 'pgdata'), templateDir: template });
    try {
      const tables = await second.knex('pg_tables').where({ tablename: 'kept' }).select('tablename');
      expect(tables, 'a table made in one copy shows up in another').to.deep.equal([]);
    } finally {
      await second.close();
    }

    const reopened = createDatabase({ kind: 'pglite', dir: path.join(root, 'a', 'pgdata'), templateDir: template });
    try {
      expect(await reopened.knex('kept').select('x')).to.deep.equal([{ x: 7 }]);
    } finally {
      await reopened.close();
    }
  });

  it('never copies over an existing data directory or a directory holding other files', async () => {
    const existing = path.join(root, 'a', 'pgdata');
    expect(await seedFromTemplate(existing, template)).to.equal(false);

    const cluttered = path.join(root, 'c', 'pgdata');
    mkdirSync(cluttered, { recursive: true });
    writeFileSync(path.join(cluttered, 'notes.txt'), 'mine');
    expect(await seedFromTemplate(cluttered, template)).to.equal(false);
    expect(readdirSync(cluttered)).to.deep.equal(['notes.txt']);

    const empty = path.join(root, 'd', 'pgdata');
    mkdirSync(empty, { recursive: true });
    expect(await seedFromTemplate(empty, template)).to.equal(true);
    expect(readdirSync(empty)).to.include('PG_VERSION');
    expect(readdirSync(path.join(root, 'd')), 'no scratch copy left behind').to.deep.equal(['pgdata']);
  });

  it('replaces only an empty directory: a symlinked DATA_DIR is never removed, and a copy left by a killed start is cleared', async () => {
    const target = path.join(root, 'g', 'volume');
    mkdirSync(target, { recursive: true });
    const linked = path.join(root, 'g', 'pgdata');
    symlinkSync(target, linked);
    // The caller (createDatabase) then lets PGlite open the directory through the link itself.
    expect(
      await seedFromTemplate(linked, template).then(
        () => 'seeded',
        () => 'refused',
      ),
    ).to.equal('refused');
    expect(lstatSync(linked).isSymbolicLink(), 'the link survives').to.equal(true);
    expect(readdirSync(path.join(root, 'g')).sort(), 'no scratch copy left behind').to.deep.equal(['pgdata', 'volume']);

    const killed = path.join(root, 'h', 'pgdata');
    mkdirSync(`${killed}.0badc0de.tmp`, { recursive: true });
    writeFileSync(path.join(`${killed}.0badc0de.tmp`, 'PG_VERSION'), '17');
    expect(await seedFromTemplate(killed, template)).to.equal(true);
    expect(readdirSync(path.join(root, 'h'))).to.deep.equal(['pgdata']);
  });

  it('is not used once the migrations that made it have changed, and is then made again', async () => {
    const manifestPath = path.join(template, 'frontdesk-template.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { migrations: Record<string, string> };
    const [first] = Object.keys(manifest.migrations);
    writeFileSync(
      manifestPath,
      JSON.stringify({ migrations: { ...manifest.migrations, [first!]: 'an older version of this file' } }),
    );
    expect(await seedFromTemplate(path.join(root, 'f', 'pgdata'), template)).to.equal(false);

    expect(await createPgliteTemplate(template)).to.equal('created');
    expect(await seedFromTemplate(path.join(root, 'f', 'pgdata'), template)).to.equal(true);
  });

  it('without a template, PGlite initialises the directory itself', async () => {
    const db = createDatabase({
      kind: 'pglite',
      dir: path.join(root, 'e', 'pgdata'),
      templateDir: path.join(root, 'missing'),
    });
    try {
      expect((await db.knex.raw('select 1 as one')).rows).to.deep.equal([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });
});
