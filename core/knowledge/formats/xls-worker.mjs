// Runs inside a worker thread only: parses a legacy .xls with SheetJS and posts back plain string grids.
// Plain JavaScript on purpose: a worker thread does not inherit the tsx loader, so it must run on bare Node.
// SheetJS from npm (0.18.5) has prototype-pollution and ReDoS advisories, so it never runs on the main
// thread: whatever it pollutes dies with this worker, and the parent enforces time and heap limits.
// @ts-check
import { parentPort, workerData } from 'node:worker_threads';
import XLSX from 'xlsx';

/** @param {import('./xls-protocol.ts').XlsRequest} request @returns {import('./xls-protocol.ts').XlsReply} */
function run(request) {
  try {
    const workbook = XLSX.read(request.bytes, {
      type: 'array',
      dense: true,
      cellFormula: false,
      cellHTML: false,
      cellStyles: false,
      bookVBA: false,
      // One row past the budget (plus the header) is enough to tell the parent "too many".
      sheetRows: request.maxRows + 2,
    });
    const sheets = workbook.SheetNames.map((name) => {
      const worksheet = workbook.Sheets[name];
      /** @type {unknown[][]} */
      const grid = worksheet
        ? XLSX.utils.sheet_to_json(worksheet, { header: 1, raw: false, defval: '', blankrows: false })
        : [];
      const rows = grid.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
      return { name: String(name), rows };
    });
    return { ok: true, sheets };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

parentPort?.postMessage(run(workerData));
