// `npm run eval`: retrieval benchmark on a public question-answering set (bench/eval/dataset.json,
// see bench/eval/SOURCE.md). Every paragraph becomes a chunk in the product's own index
// (replaceFileChunks, then refreshTermStats as after training), every question goes through the
// product's own search (searchChunks), and a question counts as found when its gold paragraph
// comes back 1st (recall@1) or in the top 5 (recall@5). Russian and English are indexed under two owners, so the languages never mix.
//
//   npm run eval                              in-memory PGlite
//   npm run eval -- --db postgres             a temporary database on DATABASE_URL's server, dropped after
//   npm run eval -- --limit 200               only the first 200 questions of each language (all paragraphs indexed)
//   npm run eval -- --lang ru --misses        one language, and print the questions whose paragraph was missed
//
// It is a measurement: whatever the figures, it exits 0 (it exits 1 only when it could not run).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import knexFactory, { type Knex } from 'knex';
import { z } from 'zod';
import { createDatabase, migrateToLatest, type Database } from '../infra/database.ts';
import { replaceFileChunks } from '../core/knowledge/chunk-index.ts';
import { searchChunks } from '../core/knowledge/hybrid-search.ts';
import { refreshTermStats } from '../core/knowledge/term-stats.ts';

const DATASET_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'eval', 'dataset.json');
const TOP_K = 5;
const LANGS = ['ru', 'en'] as const;
type Lang = (typeof LANGS)[number];

const datasetSchema = z.object({
  source: z.string(),
  license: z.string(),
  paragraphs: z.array(z.object({ id: z.string(), title: z.string(), text: z.string() })),
  questions: z.array(z.object({ id: z.string(), lang: z.enum(LANGS), question: z.string(), paragraphId: z.string() })),
});
type Dataset = z.infer<typeof datasetSchema>;
type Question = Dataset['questions'][number];

interface Options {
  db: 'pglite' | 'postgres';
  limit?: number;
  langs: Lang[];
  misses: boolean;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run eval -- [--db pglite|postgres] [--limit N] [--lang ru|en] [--misses]\n`,
  );
  process.exit(1);
}

function parseOptions(argv: string[]): Options {
  const options: Options = { db: 'pglite', langs: [...LANGS], misses: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) usage(`${arg} needs a value`);
      return next;
    };
    if (arg === '--db') {
      const db = value();
      if (db !== 'pglite' && db !== 'postgres') usage(`--db must be pglite or postgres, not ${db}`);
      options.db = db;
    } else if (arg === '--limit') {
      const limit = Number(value());
      if (!Number.isInteger(limit) || limit < 1) usage('--limit must be a positive integer');
      options.limit = limit;
    } else if (arg === '--lang') {
      const lang = value();
      if (lang !== 'ru' && lang !== 'en') usage(`--lang must be ru or en, not ${lang}`);
      options.langs = [lang];
    } else if (arg === '--misses') {
      options.misses = true;
    } else {
      usage(`unknown argument ${arg}`);
    }
  }
  return options;
}

function loadDataset(): Dataset {
  const dataset = datasetSchema.parse(JSON.parse(readFileSync(DATASET_PATH, 'utf8')));
  const ids = new Set(dataset.paragraphs.map((paragraph) => paragraph.id));
  for (const question of dataset.questions) {
    if (!ids.has(question.paragraphId))
      throw new Error(`question ${question.id} points at unknown paragraph ${question.paragraphId}`);
  }
  return dataset;
}

/** An in-memory PGlite, or a fresh database on DATABASE_URL's server that `drop` removes again. */
async function openDatabase(kind: Options['db']): Promise<{ db: Database; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const db = createDatabase({ kind: 'pglite-memory' });
    await migrateToLatest(db.knex);
    return { db, drop: () => db.close() };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) usage('--db postgres needs DATABASE_URL');
  const name = `frontdesk_eval_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`create database ${name}`);
  } catch (error) {
    await admin.destroy();
    throw error;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ kind: 'postgres', url: url.toString() });
  const drop = async () => {
    await db.close();
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.destroy();
  };
  try {
    await migrateToLatest(db.knex);
  } catch (error) {
    await drop();
    throw error;
  }
  return { db, drop };
}

interface GoldLocation {
  fileId: string;
  position: number;
}

/**
 * One owner per language; one `files` row per article (paragraphs without a title are an article of
 * their own), whose chunks are its paragraphs in order. Returns where each paragraph landed.
 */
async function indexLanguage(
  knex: Knex,
  lang: Lang,
  paragraphs: Dataset['paragraphs'],
): Promise<{ ownerId: string; gold: Map<string, GoldLocation> }> {
  const [owner] = (await knex('owners')
    .insert({
      email: `eval-${lang}-${randomBytes(4).toString('hex')}@example.com`,
      password_hash: 'not-a-real-hash',
      salon_name: `Eval ${lang}`,
      language: lang,
    })
    .returning('id')) as { id: string }[];
  if (!owner) throw new Error('owner insert returned nothing');
  const articles = new Map<string, Dataset['paragraphs']>();
  for (const paragraph of paragraphs) {
    const key = paragraph.title || paragraph.id;
    const article = articles.get(key) ?? [];
    article.push(paragraph);
    articles.set(key, article);
  }
  const gold = new Map<string, GoldLocation>();
  for (const [name, article] of articles) {
    const size = article.reduce((sum, paragraph) => sum + Buffer.byteLength(paragraph.text), 0);
    const [file] = (await knex('files')
      .insert({
        owner_id: owner.id,
        name,
        size,
        type: 'txt',
        sha256: `eval-${lang}-${randomBytes(8).toString('hex')}`,
        status: 'ready',
        chunk_count: article.length,
      })
      .returning('id')) as { id: string }[];
    if (!file) throw new Error('file insert returned nothing');
    const chunks = article.map((paragraph, position) => ({
      position,
      text: paragraph.text,
      headingPath: [],
      tokenCount: Math.round(paragraph.text.split(/\s+/).filter(Boolean).length * 1.3),
    }));
    await replaceFileChunks(knex, owner.id, file.id, chunks);
    for (const [position, paragraph] of article.entries()) gold.set(paragraph.id, { fileId: file.id, position });
  }
  // As the product does after training: the ranking's document frequencies come from these statistics.
  await refreshTermStats(knex, owner.id);
  return { ownerId: owner.id, gold };
}

interface Row {
  label: string;
  paragraphs: number;
  questions: number;
  at1: number;
  at5: number;
  reciprocalRanks: number;
  empty: number;
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function printTable(rows: Row[]): void {
  const header = [
    '',
    'paragraphs',
    'questions',
    'recall@1',
    `recall@${TOP_K}`,
    `MRR@${TOP_K}`,
    'no hits',
    'p50 ms',
    'p95 ms',
  ];
  const lines = rows.map((row) => {
    const sorted = [...row.latencies].sort((a, b) => a - b);
    const share = (count: number) => (row.questions ? (count / row.questions).toFixed(3) : '-');
    return [
      row.label,
      String(row.paragraphs),
      String(row.questions),
      share(row.at1),
      share(row.at5),
      share(row.reciprocalRanks),
      share(row.empty),
      median(sorted).toFixed(1),
      percentile(sorted, 95).toFixed(1),
    ];
  });
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  process.stdout.write(`${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dataset = loadDataset();
  process.stdout.write(
    `Dataset: ${dataset.source}\nLicense: ${dataset.license}\nDatabase: ${options.db === 'postgres' ? 'PostgreSQL (temporary database on DATABASE_URL)' : 'PGlite in memory'}\n\n`,
  );

  const langOfParagraph = new Map<string, Lang>();
  for (const question of dataset.questions) langOfParagraph.set(question.paragraphId, question.lang);

  const { db, drop } = await openDatabase(options.db);
  const rows: Row[] = [];
  const misses: string[] = [];
  try {
    for (const lang of options.langs) {
      const paragraphs = dataset.paragraphs.filter((paragraph) => langOfParagraph.get(paragraph.id) === lang);
      const allQuestions = dataset.questions.filter((question) => question.lang === lang);
      const questions: Question[] = options.limit ? allQuestions.slice(0, options.limit) : allQuestions;
      if (paragraphs.length === 0 || questions.length === 0) continue;

      const indexStart = performance.now();
      const { ownerId, gold } = await indexLanguage(db.knex, lang, paragraphs);
      process.stdout.write(
        `[${lang}] indexed ${paragraphs.length} paragraphs in ${((performance.now() - indexStart) / 1000).toFixed(1)} s; searching ${questions.length} questions\n`,
      );

      const row: Row = {
        label: lang,
        paragraphs: paragraphs.length,
        questions: questions.length,
        at1: 0,
        at5: 0,
        reciprocalRanks: 0,
        empty: 0,
        latencies: [],
      };
      for (const question of questions) {
        const target = gold.get(question.paragraphId);
        if (!target) throw new Error(`paragraph ${question.paragraphId} was not indexed`);
        const started = performance.now();
        const hits = await searchChunks(db.knex, ownerId, question.question, { limit: TOP_K });
        row.latencies.push(performance.now() - started);
        const rank = hits.findIndex((hit) => hit.fileId === target.fileId && hit.position === target.position) + 1;
        if (hits.length === 0) row.empty++;
        if (rank === 1) row.at1++;
        if (rank >= 1 && rank <= TOP_K) {
          row.at5++;
          row.reciprocalRanks += 1 / rank;
        } else if (options.misses) {
          misses.push(
            `[${lang}] ${question.id}: ${question.question}\n    top hit: ${hits[0] ? hits[0].text.slice(0, 160).replace(/\s+/g, ' ') : '(none)'}`,
          );
        }
      }
      rows.push(row);
    }
  } finally {
    await drop();
  }

  if (rows.length > 1) {
    rows.push(
      rows.reduce<Row>(
        (total, row) => ({
          label: 'all',
          paragraphs: total.paragraphs + row.paragraphs,
          questions: total.questions + row.questions,
          at1: total.at1 + row.at1,
          at5: total.at5 + row.at5,
          reciprocalRanks: total.reciprocalRanks + row.reciprocalRanks,
          empty: total.empty + row.empty,
          latencies: [...total.latencies, ...row.latencies],
        }),
        { label: 'all', paragraphs: 0, questions: 0, at1: 0, at5: 0, reciprocalRanks: 0, empty: 0, latencies: [] },
      ),
    );
  }
  process.stdout.write('\n');
  printTable(rows);
  if (misses.length) process.stdout.write(`\nMissed (gold paragraph not in the top ${TOP_K}):\n${misses.join('\n')}\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`eval failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
