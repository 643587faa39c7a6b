// The embedded database (PGlite) in a worker thread of its own: Postgres' start — most of a second of WASM
// — runs beside the main thread's start-up instead of after it, and every query runs off the event loop
// that serves HTTP and the bots. infra/pglite-thread.ts is the other end. Plain JavaScript, so the same
// file runs under tsx (tests) and in the compiled product (workers do not inherit tsx's loader).
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite/vector';

/**
 * An error as plain data: its message and every own property that can cross to another thread. PGlite
 * also rejects with Emscripten's file-system errors, which are plain objects with an errno.
 */
function plain(error) {
  if (error === null || typeof error !== 'object') return { message: String(error) };
  const data = {};
  for (const [key, value] of Object.entries(error)) {
    try {
      data[key] = structuredClone(value);
    } catch {
      // a function (a custom parser) or the like: not needed on the other side
    }
  }
  const message = typeof error.message === 'string' && error.message !== '' ? error.message : undefined;
  return {
    ...data,
    name: typeof error.name === 'string' ? error.name : 'Error',
    message: message ?? `${error.name ?? 'error'}${'errno' in error ? ` (errno ${error.errno})` : ''}`,
  };
}

const port = parentPort;
let open;
/** The database, once the main thread says its directory is ready (after a first start's template copy). */
const opening = new Promise((resolve) => {
  open = resolve;
});

port.on('message', (message) => {
  if (!message.open) return void answer(message);
  const pglite = new PGlite({ dataDir: workerData.dataDir, extensions: { vector, pg_trgm, btree_gin, btree_gist } });
  pglite.waitReady.then(
    () => port.postMessage({ ready: true }),
    (error) => port.postMessage({ ready: false, error: plain(error) }),
  );
  open(pglite);
});

async function answer({ id, sql, params, options, close }) {
  try {
    const pglite = await opening;
    if (close) {
      if (!pglite.closed) await pglite.close();
      port.postMessage({ id });
      return;
    }
    port.postMessage({ id, result: await pglite.query(sql, params, options) });
  } catch (error) {
    port.postMessage({ id, error: plain(error) });
  }
}
