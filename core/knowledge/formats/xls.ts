// Legacy .xls workbooks: SheetJS runs in a worker thread with a heap ceiling and a deadline, never on the main thread.
import { Worker } from 'node:worker_threads';
import type { Block } from '../document-model.ts';
import { CorruptFileError, FileTooComplexError } from '../extraction-errors.ts';
import type { ExtractionLimits } from '../extraction-limits.ts';
import type { XlsReply, XlsRequest } from './xls-protocol.ts';
import { sheetsToBlocks } from './spreadsheet-rows.ts';

const WORKER_URL = new URL('./xls-worker.mjs', import.meta.url);

function tooComplex(cause?: unknown): FileTooComplexError {
  return new FileTooComplexError(
    'This Excel file took too long or needed too much memory to read. Save it as .xlsx or CSV, or split it, and upload it again.',
    { cause },
  );
}

/** Parses in a fresh worker; resolves with its reply, or rejects when it times out, runs out of memory or dies. */
function parseInWorker(bytes: Uint8Array, limits: ExtractionLimits): Promise<XlsReply> {
  const request: XlsRequest = { bytes, maxRows: limits.maxRows };
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: request,
      resourceLimits: { maxOldGenerationSizeMb: limits.xlsWorkerHeapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const timer = setTimeout(
      () => settle(() => reject(tooComplex(new Error(`xls worker exceeded ${limits.timeoutMs} ms`)))),
      limits.timeoutMs,
    );
    worker.once('message', (reply: XlsReply) => settle(() => resolve(reply)));
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? tooComplex(error)
            : new CorruptFileError(undefined, { cause: error }),
        ),
      ),
    );
    worker.once('exit', (code) =>
      settle(() => reject(new CorruptFileError(undefined, { cause: new Error(`xls worker exited with ${code}`) }))),
    );
  });
}

export async function extractXls(bytes: Uint8Array, limits: ExtractionLimits): Promise<Block[]> {
  const reply = await parseInWorker(bytes, limits);
  if (!reply.ok) throw new CorruptFileError(undefined, { cause: new Error(reply.message) });
  return sheetsToBlocks(reply.sheets, limits.maxRows);
}
