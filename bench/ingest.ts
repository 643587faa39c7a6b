// Measures extraction + chunking throughput per format (MB/s) over the committed fixtures and a few larger generated files.
// Run: npm run bench:ingest
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { chunkDocument } from '../core/knowledge/chunk.ts';
import { extractDocument } from '../core/knowledge/extract.ts';

interface Sample {
  label: string;
  fileName: string;
  bytes: Uint8Array;
}

interface Result {
  label: string;
  kb: string;
  runs: number;
  msPerFile: string;
  mbPerSecond: string;
  chunks: number;
}

const FIXTURES = [
  'policies.pdf',
  'faq-ru.docx',
  'faq-uk.doc',
  'price-list.xlsx',
  'price-list.xls',
  'services.csv',
  'contacts.html',
  'about.md',
  'hours-ru.cp1251.txt',
  'hours-uk.utf16le.txt',
];
const TARGET_MS = 1_000;

function fixture(name: string): Sample {
  return {
    label: name,
    fileName: name,
    bytes: new Uint8Array(readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url))),
  };
}

function priceRows(count: number): string[][] {
  return Array.from({ length: count }, (_, index) => [
    `Процедура ${index} (маникюр, покрытие)`,
    String(1000 + (index % 50) * 10),
    String(30 + (index % 6) * 15),
  ]);
}

async function generated(): Promise<Sample[]> {
  const encoder = new TextEncoder();
  const rows = priceRows(20_000);
  const csv = ['Услуга;Цена, руб;Длительность, мин', ...rows.map((row) => row.join(';'))].join('\n');
  const paragraphs = Array.from(
    { length: 2_000 },
    (_, index) =>
      `Правило ${index}: отменить запись можно не позднее чем за 24 часа. Late cancellations are charged 50% of the price. Гарантія на покриття — 7 днів.`,
  );
  const markdown = paragraphs
    .map((text, index) => (index % 20 === 0 ? `## Раздел ${index / 20}\n\n${text}` : text))
    .join('\n\n');
  const html = `<html><head><script>var x = 1;</script></head><body><nav>menu</nav>${paragraphs.map((text, index) => `${index % 20 === 0 ? `<h2>Раздел ${index / 20}</h2>` : ''}<p>${text}</p>`).join('')}</body></html>`;
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Прайс');
  sheet.addRow(['Услуга', 'Цена, руб', 'Длительность, мин']);
  for (const row of rows) sheet.addRow([row[0], Number(row[1]), Number(row[2])]);
  return [
    { label: 'generated 20k-row csv', fileName: 'big.csv', bytes: encoder.encode(csv) },
    { label: 'generated 20k-row xlsx', fileName: 'big.xlsx', bytes: new Uint8Array(await workbook.xlsx.writeBuffer()) },
    { label: 'generated 2k-paragraph md', fileName: 'big.md', bytes: encoder.encode(markdown) },
    { label: 'generated 2k-paragraph html', fileName: 'big.html', bytes: encoder.encode(html) },
  ];
}

async function measure(sample: Sample): Promise<Result> {
  const once = async (): Promise<number> => chunkDocument(await extractDocument(sample.bytes, sample.fileName)).length;
  const chunks = await once(); // warm-up: module loading and JIT stay out of the figures
  let runs = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < TARGET_MS || runs < 3) {
    await once();
    runs += 1;
    elapsed = performance.now() - started;
  }
  const megabytes = (sample.bytes.length * runs) / 1_000_000;
  return {
    label: sample.label,
    kb: (sample.bytes.length / 1024).toFixed(1),
    runs,
    msPerFile: (elapsed / runs).toFixed(2),
    mbPerSecond: (megabytes / (elapsed / 1000)).toFixed(2),
    chunks,
  };
}

function printTable(results: readonly Result[]): void {
  const header = ['file', 'KB', 'runs', 'ms/file', 'MB/s', 'chunks'];
  const lines = results.map((result) => [
    result.label,
    result.kb,
    String(result.runs),
    result.msPerFile,
    result.mbPerSecond,
    String(result.chunks),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of lines) console.log(format(line));
}

const results: Result[] = [];
for (const sample of [...FIXTURES.map(fixture), ...(await generated())]) results.push(await measure(sample));
console.log(
  `extract + chunk, default limits and chunk options; Node ${process.version}; each file repeated for >= ${TARGET_MS} ms after one warm-up run\n`,
);
printTable(results);
