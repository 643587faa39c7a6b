// Turns a grid of cell texts (a sheet, a CSV, an HTML table) into row blocks that carry their header names.
import type { Block } from '../document-model.ts';
import { limitExceeded } from '../extraction-errors.ts';
import { cleanInline } from './clean-text.ts';

export interface Sheet {
  name?: string;
  rows: string[][];
}

/** Counts data rows across every sheet of one file, and refuses to go past the limit. */
export class RowBudget {
  private used = 0;
  constructor(readonly maxRows: number) {}

  take(count = 1): void {
    this.used += count;
    if (this.used > this.maxRows) throw limitExceeded.rows(this.maxRows);
  }
}

function isEmptyRow(cells: readonly string[]): boolean {
  return cells.every((cell) => cell === '');
}

function sameCells(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((cell, index) => cell === b[index]);
}

function trimTrailingEmpty(cells: string[]): string[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === '') end -= 1;
  return cells.slice(0, end);
}

/**
 * "Header: value; Header: value" for the non-empty cells of a row. A cell under an empty header is
 * written bare; a row that is a repeat of the header (printed price lists repeat it per page) is skipped.
 */
function rowText(header: readonly string[], cells: readonly string[]): string {
  const parts: string[] = [];
  cells.forEach((cell, index) => {
    if (cell === '') return;
    const name = header[index] ?? '';
    parts.push(name === '' || name === cell ? cell : `${name}: ${cell}`);
  });
  return parts.join('; ');
}

/**
 * The header is the first non-empty row; every later non-empty row becomes one `row` block. A sheet
 * with only a header row yields that row as a paragraph, so its text is not lost.
 */
export function sheetToBlocks(sheet: Sheet, budget: RowBudget): Block[] {
  const blocks: Block[] = [];
  let header: string[] | undefined;
  for (const raw of sheet.rows) {
    const cells = trimTrailingEmpty(raw.map((cell) => cleanInline(cell)));
    if (isEmptyRow(cells)) continue;
    if (header === undefined) {
      header = cells;
      continue;
    }
    if (sameCells(cells, header)) continue;
    budget.take();
    const text = rowText(header, cells);
    blocks.push(sheet.name === undefined ? { kind: 'row', text } : { kind: 'row', text, sheet: sheet.name });
  }
  if (blocks.length === 0 && header !== undefined)
    blocks.push({ kind: 'paragraph', text: header.filter((cell) => cell !== '').join('; ') });
  return blocks;
}

export function sheetsToBlocks(sheets: readonly Sheet[], maxRows: number): Block[] {
  const budget = new RowBudget(maxRows);
  return sheets.flatMap((sheet) => sheetToBlocks(sheet, budget));
}
