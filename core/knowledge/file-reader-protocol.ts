// The messages between file-reader.ts and the thread that reads one file: plain data, safe to structured-clone.
import type { Chunk, FileKind } from './document-model.ts';
import type { ExceededLimit } from './extraction-errors.ts';
import type { ExtractionLimits } from './extraction-limits.ts';

export interface ReadRequest {
  bytes: Uint8Array;
  fileName: string;
  limits: ExtractionLimits;
}

/** Why a file was refused: the extraction error's `code`, its owner-readable message and, for limits, which one. */
export interface RefusalMessage {
  code: 'unsupported_file' | 'corrupt_file' | 'empty_document' | 'file_too_complex';
  message: string;
  limit?: ExceededLimit;
}

/** Posted once by a new thread when it has loaded what it reads with: its reading time starts after this. */
export interface ThreadReady {
  ready: true;
}

/**
 * `reusable`: whether the thread may read another file. Not after SheetJS ran in it (its advisories
 * include prototype pollution), nor after a fault, nor once its heap is half full.
 */
export type ReadReply =
  | { ok: true; type: FileKind; chunks: Chunk[]; characters: number; reusable: boolean }
  | { ok: false; refusal: RefusalMessage; reusable: boolean }
  /** Not an extraction error: a fault of ours, logged by the parent. */
  | { ok: false; fault: string; reusable: false };
