import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PGliteThread } from '../../infra/pglite-thread.ts';

describe('infra/pglite-thread: the embedded database in a worker thread', function () {
  this.timeout(60_000);
  let pglite: PGliteThread;

  before(async () => {
    pglite = new PGliteThread(undefined);
    await pglite.waitReady;
  });
  after(() => pglite.close());

  it("answers with PGlite's values: numbers, dates, bytes and JSON", async () => {
    const result = await pglite.query<{ n: number; at: Date; bytes: Uint8Array; doc: unknown }>(
      `select $1::int8 as n, timestamptz '2026-12-04 10:00:00+00' as at, '\\x0102'::bytea as bytes, '{"a":[1,2]}'::jsonb as doc`,
      [42],
    );
    expect(result.rows).to.have.length(1);
    const row = result.rows[0]!;
    expect(row.n).to.equal(42);
    expect(row.at).to.be.instanceOf(Date);
    expect(row.at.toISOString()).to.equal('2026-12-04T10:00:00.000Z');
    expect([...row.bytes]).to.deep.equal([1, 2]);
    expect(row.doc).to.deep.equal({ a: [1, 2] });
    expect(result.fields.map((field) => field.name)).to.deep.equal(['n', 'at', 'bytes', 'doc']);
  });

  it("rejects a failing statement with PostgreSQL's fields (code, constraint) and stays usable", async () => {
    await pglite.query('create table thread_probe (id int primary key)');
    await pglite.query('insert into thread_probe values (1)');
    const error = await pglite.query('insert into thread_probe values (1)').then(
      () => undefined,
      (caught: unknown) => caught as Error & { code?: string; constraint?: string },
    );
    expect(error).to.be.instanceOf(Error);
    expect(error!.message).to.include('duplicate key');
    expect(error!.code).to.equal('23505');
    expect(error!.constraint).to.equal('thread_probe_pkey');
    const count = await pglite.query<{ count: number }>('select count(*)::int as count from thread_probe');
    expect(count.rows[0]!.count).to.equal(1);
  });

  it('keeps the main thread free while a query runs: timers fire during a long statement', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    try {
      let statementTicks = -1;
      await pglite.query('select count(*) from generate_series(1, 3000000)').then(() => (statementTicks = ticks));
      expect(statementTicks, 'timer ticks while the statement ran').to.be.greaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });

  it('fails to open a data directory that is not one, saying why', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'frontdesk-thread-'));
    const notADirectory = path.join(dir, 'file');
    writeFileSync(notADirectory, 'not a database');
    const broken = new PGliteThread(notADirectory);
    try {
      const error = await broken.waitReady.then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error).to.be.instanceOf(Error);
      expect(error!.message).to.be.a('string').and.not.equal('');
    } finally {
      await broken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses queries once closed, and closing twice is harmless', async () => {
    const own = new PGliteThread(undefined);
    await own.waitReady;
    await own.close();
    expect(own.closed).to.equal(true);
    await own.close();
    const error = await own.query('select 1').then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).to.include('closed');
  });
});
