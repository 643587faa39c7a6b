// The body of a thread file-reader.ts reads files in: for each file it is sent, extract, chunk and post the
// result back. It says whether it may be given another file; otherwise the parent discards it, and with it
// whatever the parsers allocated or polluted.
import { parentPort } from 'node:worker_threads';
import { chunkDocument } from './chunk.ts';
import { extractDocument } from './extract.ts';
import { FileTooComplexError, isExtractionError } from './extraction-errors.ts';
import type { ReadReply, ReadRequest, ThreadReady } from './file-reader-protocol.ts';
import { hasSheetJsRun } from './formats/xls.ts';

/** Not after SheetJS ran here (its advisories include prototype pollution), nor once the heap is half full. */
function reusable(request: ReadRequest): boolean {
  return !hasSheetJsRun() && process.memoryUsage().heapUsed < (request.limits.memoryMb * 1024 * 1024) / 2;
}

async function read(request: ReadRequest): Promise<ReadReply> {
  try {
    const document = await extractDocument(request.bytes, request.fileName, { limits: request.limits });
    const chunks = chunkDocument(document);
    const characters = document.blocks.reduce((sum, block) => sum + block.text.length, 0);
    return { ok: true, type: document.type, chunks, characters, reusable: reusable(request) };
  } catch (error) {
    if (!isExtractionError(error))
      return {
        ok: false,
        fault: error instanceof Error ? (error.stack ?? error.message) : String(error),
        reusable: false,
      };
    const limit = error instanceof FileTooComplexError ? error.limit : undefined;
    return {
      ok: false,
      refusal: { code: error.code, message: error.message, ...(limit ? { limit } : {}) },
      reusable: reusable(request),
    };
  }
}

// One file at a time: the parent sends the next only after this one's reply.
parentPort?.on('message', (request: ReadRequest) => {
  void read(request).then((reply) => parentPort?.postMessage(reply));
});
parentPort?.postMessage({ ready: true } satisfies ThreadReady);
