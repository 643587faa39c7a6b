// Legacy .xls workbooks through SheetJS: every sheet becomes header-aware row blocks.
// SheetJS from npm (0.18.5) has prototype-pollution and ReDoS advisories. The product reads every file
// in a thread of its own that is discarded afterwards (file-reader.ts), with time and heap limits:
// whatever SheetJS pollutes dies with that thread, and never reaches the thread serving requests.
import type { Block } from '../document-model.ts';
import { CorruptFileError } from '../extraction-errors.ts';
import { lazyImport } from '../lazy-import.ts';
import { sheetsToBlocks, type Sheet } from './spreadsheet-rows.ts';

const loadSheetJs = lazyImport(() => import('xlsx'));
let sheetJsRan = false;

/** Whether SheetJS has read a file in this thread: file-reader-thread.ts then has the thread discarded. */
export function hasSheetJsRun(): boolean {
  return sheetJsRan;
}

export async function extractXls(bytes: Uint8Array, maxRows: number): Promise<Block[]> {
  const XLSX = await loadSheetJs();
  sheetJsRan = true;
  let sheets: Sheet[];
  try {
    const workbook = XLSX.read(bytes, {
      type: 'array',
      dense: true,
      cellFormula: false,
      cellHTML: false,
      cellStyles: false,
      bookVBA: false,
      // One row past the budget (plus the header) is enough to tell "too many".
      sheetRows: maxRows + 2,
    });
    sheets = workbook.SheetNames.map((name) => {
      const worksheet = workbook.Sheets[name];
      const grid: unknown[][] = worksheet
        ? XLSX.utils.sheet_to_json(worksheet, { header: 1, raw: false, defval: '', blankrows: false })
        : [];
      return {
        name: String(name),
        rows: grid.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell)))),
      };
    });
  } catch (error) {
    throw new CorruptFileError(undefined, { cause: error });
  }
  return sheetsToBlocks(sheets, maxRows);
}
