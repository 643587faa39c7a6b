// `npm run bench:retrieval [-- --db postgres] [--chunks N]`: retrieval latency for one owner with
// 20,000 chunks (and as many of other owners' beside them), without the embedding call.
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDatabase, migrateToLatest, type Database } from '../infra/database.ts';
import { replaceFileChunks } from '../core/knowledge/chunk-index.ts';
import { searchChunks } from '../core/knowledge/hybrid-search.ts';
import { refreshTermStats } from '../core/knowledge/term-stats.ts';

const args = process.argv.slice(2);
const usePostgres = args.includes('--db') && args[args.indexOf('--db') + 1] === 'postgres';
const chunkCount = args.includes('--chunks') ? Number(args[args.indexOf('--chunks') + 1]) : 20_000;
const QUERIES = 300;

// A deterministic generator, so every run indexes the same text.
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

// Pseudo-words from Cyrillic syllables with a Zipf (1/rank) distribution over 20,000 of them: a few
// words are everywhere, most are rare, as in real documents (real stop words are already dropped).
const SYLLABLES = [
  'ма',
  'ни',
  'кю',
  'ре',
  'пе',
  'ди',
  'стр',
  'иж',
  'ка',
  'ок',
  'ра',
  'ши',
  'ва',
  'ние',
  'ук',
  'лад',
  'мас',
  'саж',
  'бро',
  'вей',
  'рес',
  'ниц',
  'лак',
  'гель',
  'уход',
  'мас',
  'ки',
  'кре',
  'мы',
  'про',
  'це',
  'ду',
  'ры',
];
const VOCABULARY = Array.from({ length: 20_000 }, (_, i) => {
  let word = '';
  for (let n = i + 7; word.length < 5 || n > 0; n = Math.floor(n / SYLLABLES.length))
    word += SYLLABLES[n % SYLLABLES.length];
  return word;
});
const zipf = () =>
  VOCABULARY[Math.min(VOCABULARY.length - 1, Math.floor(Math.exp(random() * Math.log(VOCABULARY.length))) - 1)]!;
const FILLER = ['и', 'в', 'на', 'для', 'с', 'по', 'это', 'наш', 'салон', 'цена', 'руб', 'мин'];
const sentence = () =>
  Array.from({ length: 8 + Math.floor(random() * 10) }, () =>
    random() < 0.35 ? FILLER[Math.floor(random() * FILLER.length)] : zipf(),
  ).join(' ');
const passage = () => Array.from({ length: 3 + Math.floor(random() * 5) }, () => `${sentence()}.`).join(' ');

async function openDatabase(): Promise<{ db: Database; drop(): Promise<void> }> {
  if (!usePostgres) {
    const db = createDatabase({ kind: 'pglite-memory' });
    return { db, drop: () => db.close() };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('--db postgres needs DATABASE_URL');
  const name = `frontdesk_bench_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ kind: 'postgres', url: url.toString() });
  return {
    db,
    async drop() {
      await db.close();
      await admin.raw(`drop database ${name} with (force)`);
      await admin.destroy();
    },
  };
}

async function seedOwner(db: Database, tag: string, chunks: number): Promise<string> {
  const [owner] = await db
    .knex('owners')
    .insert({ email: `${tag}-${randomBytes(3).toString('hex')}@bench.local`, password_hash: 'x', salon_name: tag })
    .returning<{ id: string }[]>('id');
  const perFile = 500;
  for (let start = 0; start < chunks; start += perFile) {
    const [file] = await db
      .knex('files')
      .insert({
        owner_id: owner!.id,
        name: `doc-${start}.txt`,
        size: 1,
        type: 'txt',
        sha256: randomBytes(16).toString('hex'),
        status: 'ready',
      })
      .returning<{ id: string }[]>('id');
    const count = Math.min(perFile, chunks - start);
    await replaceFileChunks(
      db.knex,
      owner!.id,
      file!.id,
      Array.from({ length: count }, (_, position) => ({ position, text: passage(), headingPath: [], tokenCount: 80 })),
    );
  }
  await refreshTermStats(db.knex, owner!.id);
  return owner!.id;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const { db, drop } = await openDatabase();
try {
  await migrateToLatest(db.knex);
  const seeding = performance.now();
  const ownerId = await seedOwner(db, 'target', chunkCount);
  await seedOwner(db, 'neighbour', chunkCount);
  // Measure a settled index, as owners' indexes are between trainings (not autovacuum's first pass).
  await db.knex.raw('vacuum analyze chunks');
  if (db.kind === 'postgres') await db.knex.raw('checkpoint').catch(() => undefined);
  const seedSeconds = (performance.now() - seeding) / 1000;
  const words = Array.from({ length: QUERIES }, () => [zipf(), zipf(), ...(random() < 0.5 ? [zipf()] : [])]);
  const queries = words.map((list) => `сколько стоит ${list.join(' ')}`);
  // The same questions with their first word misspelled (a letter no indexed word has, in its middle):
  // each then costs the typo lookup among the owner's words as well.
  const misspelled = words.map(
    ([first, ...rest]) => `сколько стоит ${first!.slice(0, 3)}ъ${first!.slice(3)} ${rest.join(' ')}`,
  );
  for (const query of [...queries.slice(0, 20), ...misspelled.slice(0, 20)])
    await searchChunks(db.knex, ownerId, query); // warm-up
  console.log(
    `database: ${db.kind}; chunks: ${chunkCount} for the owner + ${chunkCount} of another owner; seeded in ${seedSeconds.toFixed(1)} s`,
  );
  for (const [label, series] of [
    ['queries', queries],
    ['with a misspelled word', misspelled],
  ] as const) {
    const times: number[] = [];
    let withHits = 0;
    for (const query of series) {
      const started = performance.now();
      const hits = await searchChunks(db.knex, ownerId, query, { limit: 5 });
      times.push(performance.now() - started);
      if (hits.length > 0) withHits++;
    }
    times.sort((a, b) => a - b);
    console.log(
      `${label}: ${QUERIES} (${withHits} with hits); full-text retrieval p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`,
    );
  }
} finally {
  await drop();
}
