// Knowledge files end to end (embedded, or PostgreSQL with DATABASE_URL): a file is read once, at upload,
// in a thread of its own and within limits; training indexes what upload read, a batch at a time, with
// real progress; a file reads `ready` only once its words can be found.
import { expect } from 'chai';
import { hugeDocx, inflatingPdf, manyPagesPdf, manyRowsXlsx } from '../support/hostile-files.ts';
import { ask, fixture, longTextFile, trainAndWait, uploadFixture } from '../support/knowledge.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { eventually } from '../support/eventually.ts';
import { type FakeOpenAIServer, startFakeOpenAI } from '../fakes/openai-server.ts';

async function chunkRows(t: TestSystem, ownerId: string) {
  return t.system.db
    .knex('chunks')
    .where({ owner_id: ownerId })
    .orderBy('id')
    .select<{ id: string; file_id: string; tsv: string | null }[]>('id', 'file_id', 'tsv');
}

/**
 * Where the owner's stored statistics differ from a recount of the index (PostgreSQL's ts_stat over every
 * indexed chunk, and their count and average length): empty when they agree.
 */
async function statisticsMismatch(t: TestSystem, ownerId: string): Promise<string[]> {
  const knex = t.system.db.knex;
  const recount = await knex.raw(
    `select word as lexeme, ndoc as df from ts_stat(format('select tsv from chunks where owner_id = %L and tsv is not null', ?::text))`,
    [ownerId],
  );
  const stored = await knex('owner_term_stats').where({ owner_id: ownerId }).select('lexeme', 'df');
  const expected = new Map(
    (recount.rows as { lexeme: string; df: number }[]).map((row) => [row.lexeme, Number(row.df)]),
  );
  const actual = new Map(stored.map((row: { lexeme: string; df: number }) => [row.lexeme, Number(row.df)]));
  const differences = [...new Set([...expected.keys(), ...actual.keys()])]
    .filter((lexeme) => expected.get(lexeme) !== actual.get(lexeme))
    .map((lexeme) => `${lexeme}: stored ${actual.get(lexeme)}, recounted ${expected.get(lexeme)}`);
  const [counted] = (
    await knex.raw(
      'select count(*) as count, coalesce(avg(dl), 1) as avg from chunks where owner_id = ? and tsv is not null',
      [ownerId],
    )
  ).rows as { count: string | number; avg: string | number }[];
  const index = await knex('owner_index_stats').where({ owner_id: ownerId }).first();
  if (Number(index?.chunk_count ?? 0) !== Number(counted?.count))
    differences.push(`chunk count: stored ${index?.chunk_count}, recounted ${counted?.count}`);
  if (Math.abs(Number(index?.avg_length ?? 1) - Number(counted?.avg)) > 1e-6)
    differences.push(`average length: stored ${index?.avg_length}, recounted ${counted?.avg}`);
  return differences;
}

async function listFiles(t: TestSystem, owner: RegisteredOwner) {
  const list = await t.http.get('/api/agent/files/', { token: owner.access });
  expect(list.status).to.equal(200);
  return list.body as { id: string; name: string; status: string; chunk_count: number; error: string | null }[];
}

describe('api/agent files: the bad uploads of issue 12, with the default limits', function () {
  this.timeout(120_000);
  let t: TestSystem;

  before(async () => {
    // No limit overridden: what a server started with `npm start` does.
    t = await startTestSystem();
  });
  after(async () => {
    await t.close();
  });

  it('refuses each with 422 naming its limit and what to do, stores nothing of it, and keeps answering', async () => {
    const owner = await registerOwner(t.http);
    const cases = [
      { file: await hugeDocx(), detail: /more than 5,000,000 characters of text.*Split it into smaller files/ },
      { file: await manyPagesPdf(), detail: /20,000 pages.*at most 2,000 pages.*Split it into smaller PDFs/ },
      { file: await inflatingPdf(), detail: /unpacks to more than 100 MB.*Export it again as PDF/ },
      { file: await manyRowsXlsx(), detail: /more than 50,000 rows.*Split it into smaller files/ },
    ];
    for (const { file, detail } of cases) {
      const response = await t.http.upload('/api/agent/files/', owner.access, { file });
      expect(response.status, file.name).to.equal(422);
      expect(response.body.detail, file.name).to.match(detail);
      // The process lives and serves everyone as before.
      expect((await t.http.get('/health')).status, file.name).to.equal(200);
      expect((await t.http.upload('/api/agent/test/', owner.access, { message: 'Hello!' })).status).to.equal(200);
    }
    expect(await listFiles(t, owner)).to.deep.equal([]);
    expect(await chunkRows(t, owner.id)).to.deep.equal([]);
    expect(await t.system.db.knex('files').where({ owner_id: owner.id })).to.deep.equal([]);
    // And a good file is read as usual afterwards.
    expect((await uploadFixture(t.http, owner.access, 'services.csv')).status).to.equal(201);
  });
});

describe('api/agent files: read once, trained in steps (embedded, no LLM)', function () {
  this.timeout(120_000);
  let t: TestSystem;

  before(async () => {
    t = await startTestSystem();
  });
  after(async () => {
    await t.close();
  });

  it('refuses a file past a limit the operator set (FILE_MAX_TEXT_CHARS) with that limit in its message', async () => {
    const small = await startTestSystem({ env: { FILE_MAX_TEXT_CHARS: '2000' } });
    try {
      const owner = await registerOwner(small.http);
      const response = await small.http.upload('/api/agent/files/', owner.access, {
        file: longTextFile('rules.txt', 20),
      });
      expect(response.status).to.equal(422);
      expect(response.body.detail).to.match(/more than 2,000 characters of text/);
    } finally {
      await small.close();
    }
  });

  it('training indexes the chunks upload read, without reading the file again', async () => {
    const owner = await registerOwner(t.http);
    const { id } = await uploadFixture(t.http, owner.access, 'services.csv');
    // Read at upload: its chunks are stored, not yet searchable, and the file's bytes are not kept.
    const stored = await chunkRows(t, owner.id);
    expect(stored.length).to.be.above(0);
    expect(stored.every((row) => row.file_id === id && row.tsv === null)).to.equal(true);
    expect(await t.system.db.knex('file_blobs').where({ file_id: id })).to.deep.equal([]);
    expect((await trainAndWait(t.http, owner.access)).status).to.equal('completed');
    const indexed = await chunkRows(t, owner.id);
    expect(indexed.map((row) => row.id)).to.deep.equal(stored.map((row) => row.id));
    expect(indexed.every((row) => row.tsv !== null)).to.equal(true);
    expect((await ask(t.http, owner.access, "How much is a men's haircut?")).response).to.include('800');
  });

  it('a file uploaded before files were read at upload is read once, from its stored bytes, at the next training', async () => {
    const owner = await registerOwner(t.http);
    const bytes = fixture('services.csv').bytes;
    const [file] = await t.system.db
      .knex('files')
      .insert({ owner_id: owner.id, name: 'services.csv', size: bytes.length, type: 'csv', sha256: 'legacy-1' })
      .returning<{ id: string }[]>('id');
    await t.system.db.knex('file_blobs').insert({ file_id: file!.id, content: Buffer.from(bytes) });
    expect((await trainAndWait(t.http, owner.access)).message).to.equal('1 file(s) ready');
    expect((await ask(t.http, owner.access, "How much is a men's haircut?")).response).to.include('800');
    const row = await t.system.db.knex('files').where({ id: file!.id }).first();
    expect(row.extracted_at).to.be.instanceOf(Date);
    expect(await t.system.db.knex('file_blobs').where({ file_id: file!.id })).to.deep.equal([]);
    expect((await trainAndWait(t.http, owner.access)).message).to.match(/Nothing new/);
  });

  it('a training run in which every file failed reports failed, naming the files', async () => {
    const owner = await registerOwner(t.http);
    // Files from before files were read at upload, whose stored bytes turn out unreadable.
    for (const [name, type] of [
      ['prices.docx', 'docx'],
      ['menu.pdf', 'pdf'],
    ]) {
      const [file] = await t.system.db
        .knex('files')
        .insert({ owner_id: owner.id, name, size: 9, type, sha256: `broken-${name}` })
        .returning<{ id: string }[]>('id');
      await t.system.db.knex('file_blobs').insert({ file_id: file!.id, content: Buffer.from('not a document') });
    }
    const run = await trainAndWait(t.http, owner.access);
    expect(run.status).to.equal('failed');
    expect(run.message).to.match(/^0 file\(s\) ready, 2 failed: /);
    expect(run.message).to.include('prices.docx').and.to.include('menu.pdf');
    const files = await listFiles(t, owner);
    expect(files.map((file) => file.status)).to.deep.equal(['failed', 'failed']);
    expect(files.every((file) => typeof file.error === 'string' && file.error.length > 0)).to.equal(true);
  });

  it('shows "training" with a fractional progress while a large file is indexed, and answers meanwhile', async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'services.csv');
    await trainAndWait(t.http, owner.access);
    const large = longTextFile('rules.txt', 2_400);
    expect((await t.http.upload('/api/agent/files/', owner.access, { file: large })).status).to.equal(201);
    expect((await t.http.post('/api/agent/train/', { token: owner.access })).status).to.equal(200);
    const seen: { status: string; progress: number }[] = [];
    const midway = await eventually(
      async () => {
        const status = (await t.http.get('/api/agent/train/status/', { token: owner.access })).body;
        seen.push(status);
        if (status.status !== 'training')
          throw new Error(`training ended before any progress was seen: ${JSON.stringify(seen)}`);
        return status.progress > 0 && status.progress < 1 ? status : undefined;
      },
      60_000,
      'a fractional progress',
    );
    expect(midway.status).to.equal('training');
    expect(midway.message).to.match(/rules\.txt \(1 of 1\)/);
    // Answers and health keep flowing: asked now, answered while the run is still going.
    expect((await t.http.get('/health')).status).to.equal(200);
    expect((await ask(t.http, owner.access, "How much is a men's haircut?")).response).to.include('800');
    const done = await eventually(
      async () => {
        const status = (await t.http.get('/api/agent/train/status/', { token: owner.access })).body;
        return status.status === 'training' ? undefined : status;
      },
      120_000,
      'training to finish',
    );
    expect(done.status).to.equal('completed');
    expect(done.progress).to.equal(1);
  });

  it('a deleted file takes its words out of the search statistics', async () => {
    const owner = await registerOwner(t.http);
    const unique = {
      name: 'sauna.txt',
      bytes: new TextEncoder().encode('Our sauna is called Yuki, after a quokkarium.'),
    };
    const uploaded = await t.http.upload('/api/agent/files/', owner.access, { file: unique });
    await uploadFixture(t.http, owner.access, 'services.csv');
    await trainAndWait(t.http, owner.access);
    const stats = () => t.system.db.knex('owner_term_stats').where({ owner_id: owner.id, lexeme: 'quokkarium' });
    expect(await stats()).to.have.length(1);
    expect((await t.http.delete(`/api/agent/files/${uploaded.body.id}/`, { token: owner.access })).status).to.equal(
      204,
    );
    expect(await stats()).to.deep.equal([]);
    expect(await listFiles(t, owner)).to.have.length(1);
    expect(await statisticsMismatch(t, owner.id)).to.deep.equal([]);
  });

  it('keeps the search statistics equal to a recount of the index through uploads, training, deletes and re-uploads', async () => {
    const owner = await registerOwner(t.http);
    const ids: string[] = [];
    for (const name of ['services.csv', 'about.md', 'faq-ru.docx', 'policies.pdf'])
      ids.push((await uploadFixture(t.http, owner.access, name)).id);
    await trainAndWait(t.http, owner.access);
    expect(await statisticsMismatch(t, owner.id)).to.deep.equal([]);
    await t.http.delete(`/api/agent/files/${ids[1]}/`, { token: owner.access });
    await t.http.delete(`/api/agent/files/${ids[2]}/`, { token: owner.access });
    expect(await statisticsMismatch(t, owner.id)).to.deep.equal([]);
    await uploadFixture(t.http, owner.access, 'about.md');
    await uploadFixture(t.http, owner.access, 'contacts.html');
    await trainAndWait(t.http, owner.access);
    expect(await statisticsMismatch(t, owner.id)).to.deep.equal([]);
    const index = await t.system.db.knex('owner_index_stats').where({ owner_id: owner.id }).first();
    expect(Number(index.chunk_count)).to.equal((await chunkRows(t, owner.id)).length);
  });

  it("keeps another owner's uploaded chunks out of training and search", async () => {
    const anna = await registerOwner(t.http);
    const boris = await registerOwner(t.http);
    await uploadFixture(t.http, anna.access, 'services.csv');
    expect((await trainAndWait(t.http, boris.access)).message).to.match(/Nothing new/);
    expect(await chunkRows(t, boris.id)).to.deep.equal([]);
    expect((await ask(t.http, boris.access, "How much is a men's haircut?")).response).to.not.include('800');
  });
});

describe('api/agent files: ready means searchable (embeddings from a fake OpenAI server)', function () {
  this.timeout(120_000);
  let fake: FakeOpenAIServer;
  let t: TestSystem;

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test-key' });
    t = await startTestSystem({
      env: {
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: fake.url,
        LLM_MODEL: 'gpt-4o-mini',
        EMBEDDING_MODEL: 'text-embedding-3-small',
      },
    });
  });
  after(async () => {
    await t?.close();
    await fake?.close();
  });

  it('a file that reads ready while the run goes on can be found by its own words at once', async () => {
    const owner = await registerOwner(t.http);
    // Short words: search finds a word it has no statistics for only through the prefixes of long ones.
    const sauna = {
      name: 'sauna.txt',
      bytes: new TextEncoder().encode('Our sauna is called Yuki. The Wi-Fi password is kiwi.'),
    };
    expect((await t.http.upload('/api/agent/files/', owner.access, { file: sauna })).status).to.equal(201);
    const rules = longTextFile('rules.txt', 40);
    expect((await t.http.upload('/api/agent/files/', owner.access, { file: rules })).status).to.equal(201);
    // The run stops at the embeddings of the file after sauna.txt, for as long as this test needs.
    const isRules = (input: string) => input.includes('Gift card');
    const held = fake.holdEmbeddings(isRules);
    try {
      expect((await t.http.post('/api/agent/train/', { token: owner.access })).status).to.equal(200);
      await fake.waitFor(
        (request) =>
          request.path === '/v1/embeddings' &&
          [(request.body as { input: unknown }).input]
            .flat()
            .some((input) => typeof input === 'string' && isRules(input)),
        60_000,
      );
      const status = (await t.http.get('/api/agent/train/status/', { token: owner.access })).body;
      expect(status.status).to.equal('training');
      const files = await listFiles(t, owner);
      expect(files.find((file) => file.name === 'sauna.txt')?.status).to.equal('ready');
      expect(files.find((file) => file.name === 'rules.txt')?.status).to.equal('processing');
      // By its words alone: the question's embedding is refused, so only full-text search can find it.
      fake.failNext(1, 400);
      const reply = await ask(t.http, owner.access, 'Is the sauna called Yuki?');
      expect(reply.sources.map((source) => source.name)).to.deep.equal(['sauna.txt']);
    } finally {
      held.release();
    }
    await trainAndWaitUntilIdle(t, owner);
    expect((await t.http.get('/api/agent/train/status/', { token: owner.access })).body.status).to.equal('completed');
  });
});

/** Waits for the owner's run to end, so the next test's load starts from an idle system. */
async function trainAndWaitUntilIdle(t: TestSystem, owner: RegisteredOwner): Promise<void> {
  await eventually(
    async () => (await t.http.get('/api/agent/train/status/', { token: owner.access })).body.status !== 'training',
    120_000,
    'training to finish',
  );
}
