// The ceilings that keep one uploaded file from exhausting the memory or CPU of the process that reads it.
// Each has a setting (core/config.ts, FILE_* variables); docs/files-and-training.md lists them.

export interface ExtractionLimits {
  /** Total uncompressed size of a zip-based file (docx, xlsx), or of a PDF's streams, checked before parsing. */
  maxUncompressedBytes: number;
  /** Number of entries in a zip-based file. */
  maxZipEntries: number;
  /** Data rows across all sheets of a spreadsheet, CSV or HTML tables. */
  maxRows: number;
  /** Pages of a PDF. */
  maxPages: number;
  /** Characters of text taken from one file (the budget of what it adds to the owner's index). */
  maxTextChars: number;
  /** Wall-clock time for reading one file (from when its thread is ready); the thread is terminated past it. */
  timeoutMs: number;
  /**
   * Memory for reading one file, in MB: the heap ceiling of the thread that reads it, and how far the
   * process may grow (buffers outside that heap included) before the reading is stopped.
   */
  memoryMb: number;
}

export const DEFAULT_LIMITS: Readonly<ExtractionLimits> = Object.freeze({
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxRows: 50_000,
  maxPages: 2_000,
  maxTextChars: 5_000_000,
  timeoutMs: 30_000,
  memoryMb: 512,
});

export function resolveLimits(overrides?: Partial<ExtractionLimits>): ExtractionLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}
