// The ceilings that keep one uploaded file from exhausting the memory or CPU of the process that reads it.

export interface ExtractionLimits {
  /** Total uncompressed size of a zip-based file (docx, xlsx), checked before parsing. */
  maxUncompressedBytes: number;
  /** Number of entries in a zip-based file. */
  maxZipEntries: number;
  /** Data rows across all sheets of a spreadsheet or CSV. */
  maxRows: number;
  /** Wall-clock time for one extraction (the legacy .xls worker is terminated when it is exceeded). */
  timeoutMs: number;
  /** Heap ceiling of the worker thread that parses legacy .xls files. */
  xlsWorkerHeapMb: number;
}

export const DEFAULT_LIMITS: Readonly<ExtractionLimits> = Object.freeze({
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxRows: 50_000,
  timeoutMs: 30_000,
  xlsWorkerHeapMb: 256,
});

export function resolveLimits(overrides?: Partial<ExtractionLimits>): ExtractionLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}
