// Reads an uploaded file into chunks in a worker thread, never on the thread that serves requests: with a
// heap ceiling, a deadline and a watch on the process's memory, at most `concurrency` files at once. Past
// any limit the thread is terminated and the file refused; the process carries on as if the file had
// never come. A thread reads the next file too (starting a thread and loading the parsers costs about a
// second), unless SheetJS ran in it, it was stopped or failed, read many files or filled half its heap:
// then it is discarded, and the next file gets a fresh one.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { UnavailableError } from '../errors.ts';
import type { Chunk, FileKind } from './document-model.ts';
import {
  CorruptFileError,
  EmptyDocumentError,
  type ExtractionError,
  FileTooComplexError,
  limitExceeded,
  UnsupportedFileError,
} from './extraction-errors.ts';
import { type ExtractionLimits, resolveLimits } from './extraction-limits.ts';
import type { ReadReply, ReadRequest, RefusalMessage, ThreadReady } from './file-reader-protocol.ts';

const WORKER_URL = new URL('./file-reader-worker.mjs', import.meta.url);
/** How often the process's memory is looked at while a file is read. */
const MEMORY_CHECK_MS = 50;
/**
 * The process may grow by half as much again as the reading thread's heap limit: room for its stack,
 * young generation and code, and for the buffers a parser keeps outside the heap (which the heap limit
 * does not cover: pdf.js holds an inflated stream there).
 */
const MEMORY_ALLOWANCE = 1.5;
/** Files one thread reads before it is replaced anyway. */
const READS_PER_THREAD = 20;
/** A new thread loads TypeScript support and the extraction modules (about a second); far past that, it is broken. */
const THREAD_START_TIMEOUT_MS = 60_000;

export interface ReadFile {
  type: FileKind;
  chunks: Chunk[];
  /** Characters of text the file yielded (what counted against the text budget). */
  characters: number;
}

export interface FileReader {
  readonly limits: ExtractionLimits;
  /**
   * Extracts and chunks a file; throws the extraction errors (extraction-errors.ts), or UnavailableError
   * when no thread can be started to read it.
   */
  read(bytes: Uint8Array, fileName: string): Promise<ReadFile>;
  /** Threads started so far (each new thread costs about a second of CPU: worth watching). */
  threadsStarted(): number;
  /** Stops every reading in progress (their callers get a CorruptFileError) and refuses new ones. */
  close(): Promise<void>;
}

export interface FileReaderOptions {
  limits?: Partial<ExtractionLimits>;
  /** Files read at once; more wait their turn (default 1: the reading thread and the serving thread share the CPU). */
  concurrency?: number;
  logger?: Logger;
}

function refusalError(refusal: RefusalMessage): ExtractionError {
  switch (refusal.code) {
    case 'unsupported_file':
      return new UnsupportedFileError(refusal.message);
    case 'empty_document':
      return new EmptyDocumentError(refusal.message);
    case 'file_too_complex':
      return new FileTooComplexError(refusal.message, { limit: refusal.limit });
    case 'corrupt_file':
      return new CorruptFileError(refusal.message);
  }
}

/** Waits for one of `size` slots; `release` gives it to the next waiter. */
function createSlots(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (free > 0) {
        free -= 1;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    },
  };
}

export function createFileReader(options: FileReaderOptions = {}): FileReader {
  const limits = resolveLimits(options.limits);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const slots = createSlots(concurrency);
  const running = new Set<Worker>();
  let closed = false;

  interface ReadingThread {
    worker: Worker;
    reads: number;
    /** Settles when the thread has loaded what it reads with; a file's time and memory are counted from then. */
    ready: Promise<void>;
  }
  const idle: ReadingThread[] = [];
  let started = 0;

  function startThread(): ReadingThread {
    started += 1;
    const worker = new Worker(WORKER_URL, {
      // The thread registers tsx itself; the parent's flags (tsx's own loader among them) only slow it down.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the reading thread did not start')), THREAD_START_TIMEOUT_MS);
      timer.unref();
      const onReady = (message: ThreadReady | ReadReply) => {
        if (!('ready' in message)) return;
        clearTimeout(timer);
        worker.off('message', onReady);
        resolve();
      };
      worker.on('message', onReady);
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the reading thread exited with ${code} while starting`));
      });
    });
    // A thread that cannot start is reported by the read waiting for it, as the server's fault.
    ready.catch((error: unknown) => options.logger?.error({ err: error }, 'a file-reading thread did not start'));
    const thread = { worker, reads: 0, ready };
    // A reading thread's failure is its read's to report; an idle one's is only logged, and it is replaced.
    worker.on('error', (error) => {
      if (!running.has(worker)) options.logger?.warn({ err: error }, 'an idle file-reading thread failed');
    });
    worker.once('exit', () => {
      const at = idle.indexOf(thread);
      if (at >= 0) idle.splice(at, 1);
    });
    return thread;
  }

  function takeThread(): ReadingThread {
    const thread = idle.pop() ?? startThread();
    thread.worker.ref();
    running.add(thread.worker);
    return thread;
  }

  function giveBack(thread: ReadingThread, reusable: boolean): void {
    running.delete(thread.worker);
    if (!closed && reusable && thread.reads < READS_PER_THREAD && idle.length < concurrency) {
      // Idle, it keeps no process alive.
      thread.worker.unref();
      idle.push(thread);
    } else void thread.worker.terminate();
  }

  async function readInThread(bytes: Uint8Array, fileName: string): Promise<ReadReply> {
    const thread = takeThread();
    try {
      await thread.ready;
    } catch (error) {
      giveBack(thread, false);
      throw new UnavailableError('Files cannot be read right now; upload the file again in a minute.', {
        cause: error,
      });
    }
    return sendToThread(thread, bytes, fileName);
  }

  function sendToThread(thread: ReadingThread, bytes: Uint8Array, fileName: string): Promise<ReadReply> {
    // A copy of exactly the file's bytes, handed over without a second copy.
    const copy = bytes.slice();
    const request: ReadRequest = { bytes: copy, fileName, limits };
    const { worker } = thread;
    thread.reads += 1;
    return new Promise((resolve, reject) => {
      const startRss = process.memoryUsage.rss();
      const memoryCeiling = limits.memoryMb * MEMORY_ALLOWANCE * 1024 * 1024;
      let settled = false;
      const settle = (reusable: boolean, outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearInterval(memoryWatch);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        giveBack(thread, reusable);
        outcome();
      };
      const deadline = setTimeout(
        () => settle(false, () => reject(limitExceeded.time(limits.timeoutMs))),
        limits.timeoutMs,
      );
      const memoryWatch = setInterval(() => {
        const grown = process.memoryUsage.rss() - startRss;
        if (grown > memoryCeiling)
          settle(false, () =>
            reject(limitExceeded.memory(limits.memoryMb, new Error(`process grew by ${grown} bytes while reading`))),
          );
      }, MEMORY_CHECK_MS);
      const onMessage = (reply: ReadReply | ThreadReady) => {
        if ('ready' in reply) return;
        settle(reply.reusable, () => resolve(reply));
      };
      const onError = (error: Error & { code?: string }) =>
        settle(false, () =>
          reject(
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? limitExceeded.memory(limits.memoryMb, error)
              : new CorruptFileError(undefined, { cause: error }),
          ),
        );
      const onExit = (code: number) =>
        settle(false, () =>
          reject(new CorruptFileError(undefined, { cause: new Error(`the reading thread exited with ${code}`) })),
        );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request, [copy.buffer as ArrayBuffer]);
    });
  }

  return {
    limits,

    async read(bytes, fileName) {
      if (bytes.byteLength === 0) throw new EmptyDocumentError('This file is empty (0 bytes). Upload the file again.');
      await slots.acquire();
      const started = performance.now();
      try {
        if (closed) throw new UnavailableError('The server is shutting down; upload the file again in a minute.');
        const reply = await readInThread(bytes, fileName);
        if (reply.ok) return { type: reply.type, chunks: reply.chunks, characters: reply.characters };
        if ('fault' in reply) {
          options.logger?.error({ fault: reply.fault }, 'reading a file failed unexpectedly');
          throw new CorruptFileError();
        }
        throw refusalError(reply.refusal);
      } catch (error) {
        if (error instanceof FileTooComplexError)
          options.logger?.info(
            { limit: error.limit, ms: Math.round(performance.now() - started), bytes: bytes.byteLength },
            'file refused: past a reading limit',
          );
        throw error;
      } finally {
        slots.release();
      }
    },

    threadsStarted: () => started,

    async close() {
      closed = true;
      const workers = [...running, ...idle.map((thread) => thread.worker)];
      idle.length = 0;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
