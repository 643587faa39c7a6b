// CSV through csv-parse: the delimiter (comma, semicolon or tab) is sniffed, and each record becomes a header-aware row block.
import type { Block } from '../document-model.ts';
import { CorruptFileError } from '../extraction-errors.ts';
import { decodeText } from './decode-text.ts';
import { lazyImport } from '../lazy-import.ts';
import { sheetsToBlocks } from './spreadsheet-rows.ts';

const loadCsvParse = lazyImport(() => import('csv-parse/sync'));

const CANDIDATES = [',', ';', '\t'] as const;

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === delimiter) count += 1;
  }
  return count;
}

/**
 * The candidate that splits the first lines most consistently: the same non-zero count on every line
 * wins over a higher but varying one (a comma inside "Цена, руб" must not beat the real ";"). Excel in
 * Russian and Ukrainian locales writes ";". Falls back to ",".
 */
export function sniffDelimiter(text: string): string {
  const lines = text
    .split('\n', 200)
    .filter((line) => line.trim() !== '')
    .slice(0, 20);
  let best = { delimiter: ',', consistent: false, count: 0 };
  for (const delimiter of CANDIDATES) {
    const counts = lines.map((line) => countOutsideQuotes(line, delimiter));
    const first = counts[0] ?? 0;
    if (first === 0) continue;
    const consistent = counts.every((count) => count === first);
    const better = consistent !== best.consistent ? consistent : first > best.count;
    if (better) best = { delimiter, consistent, count: first };
  }
  return best.delimiter;
}

export async function extractCsv(bytes: Uint8Array, maxRows: number): Promise<Block[]> {
  const { parse } = await loadCsvParse();
  const { text } = decodeText(bytes);
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter: sniffDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      // The header plus one row past the budget is enough to tell "too many"; nothing more is kept in memory.
      to: maxRows + 2,
    }) as string[][];
  } catch (error) {
    throw new CorruptFileError(
      'This CSV file could not be read: a quote or separator seems to be broken. Open it in Excel, save it as CSV again and upload the new copy.',
      {
        cause: error,
      },
    );
  }
  return sheetsToBlocks([{ rows }], maxRows);
}
