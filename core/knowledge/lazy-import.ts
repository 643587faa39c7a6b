// Imports a library on first use and keeps it: start-up does not pay for the parsers, and later calls do not pay again.

/**
 * `lazyImport(() => import('unpdf'))` returns a loader; the first call starts the import, every later
 * call returns the same promise (a dynamic `import()` is otherwise a loader round trip on every call).
 */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
