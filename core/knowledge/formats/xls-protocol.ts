// The messages between the .xls worker thread and its parent: plain data only, safe to structured-clone.
import type { Sheet } from './spreadsheet-rows.ts';

export interface XlsRequest {
  bytes: Uint8Array;
  maxRows: number;
}

export type XlsReply = { ok: true; sheets: Required<Sheet>[] } | { ok: false; message: string };
