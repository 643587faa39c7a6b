// .xlsx workbooks through exceljs (after the zip guard): every sheet becomes header-aware row blocks.
import type { Cell, Worksheet } from 'exceljs';
import type { Block } from '../document-model.ts';
import { CorruptFileError } from '../extraction-errors.ts';
import { lazyImport } from '../lazy-import.ts';
import { sheetsToBlocks } from './spreadsheet-rows.ts';
import type { Sheet } from './spreadsheet-rows.ts';

/** A date as 2024-03-01 (or 2024-03-01 14:30 when it has a time), not JavaScript's long Date string. */
function formatDate(date: Date): string {
  const iso = date.toISOString();
  const time = iso.slice(11, 16);
  return time === '00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${time}`;
}

const loadExcelJs = lazyImport(() => import('exceljs'));

// ExcelJS.ValueType.Formula, spelled out so the library need not be loaded to compare against it.
const FORMULA_TYPE = 6;

function cellText(cell: Cell, rowNumber: number): string {
  // A cell covered by a horizontal merge repeats its neighbour's text: keep it once. A vertical merge
  // (a category spanning rows) is repeated on purpose, so each row stays self-contained.
  if (cell.isMerged && cell.master !== cell && Number(cell.master.row) === rowNumber) return '';
  const value: unknown = Number(cell.type) === FORMULA_TYPE ? cell.result : cell.value;
  if (value instanceof Date) return formatDate(value);
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && 'error' in value) return '';
  return cell.text ?? '';
}

function sheetOf(worksheet: Worksheet): Sheet {
  const rows: string[][] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let column = 1; column <= row.cellCount; column += 1) cells.push(cellText(row.getCell(column), rowNumber));
    rows.push(cells);
  });
  return { name: worksheet.name, rows };
}

/** exceljs takes an ArrayBuffer; reuse the bytes' own one when they span all of it, else copy. */
function ownArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
  return new Uint8Array(bytes).buffer;
}

export async function extractXlsx(bytes: Uint8Array, maxRows: number): Promise<Block[]> {
  const { default: ExcelJS } = await loadExcelJs();
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(ownArrayBuffer(bytes));
  } catch (error) {
    throw new CorruptFileError(undefined, { cause: error });
  }
  return sheetsToBlocks(workbook.worksheets.map(sheetOf), maxRows);
}
