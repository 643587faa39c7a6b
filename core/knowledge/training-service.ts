// Training: (embed and) index the chunks each new file was read into at upload, as a background job. A
// file is never read again here; only a file uploaded before files were read at upload is read, once,
// from its stored bytes. Indexing goes a batch at a time (chunk-index.ts), with the run's progress after
// each, so status and answers keep flowing while it runs; a file turns `ready` once all its words can be
// found. One run per owner at a time (a unique index in the database); a run whose process died is
// noticed by its stale heartbeat, so "training" never lasts forever.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { JobQueue } from '../ports/job-queue.ts';
import type { EmbeddingModel } from '../ports/chat-model.ts';
import { isUniqueViolation } from '../accounts/owners.ts';
import { type Pacer, turnOfEventLoop } from './batch-pacing.ts';
import { chunkProgress, indexBatchSize, indexChunks, pendingChunks, searchableText } from './chunk-index.ts';
import { readStoredFile } from './files-service.ts';
import type { FileReader } from './file-reader.ts';
import { isExtractionError } from './extraction-errors.ts';

export const TRAIN_JOB = 'train';
const STALE_AFTER_MS = 2 * 60_000;

export interface TrainingStatus {
  status: 'idle' | 'training' | 'completed' | 'failed';
  progress: number;
  message: string;
}

interface RunRow {
  id: string;
  status: 'training' | 'completed' | 'failed';
  progress: number;
  message: string | null;
  heartbeat_at: Date;
}

export interface TrainingDeps {
  db: Knex;
  queue: JobQueue;
  logger: Logger;
  /** Reads files uploaded before files were read at upload (once; see readStoredFile). */
  reader: FileReader;
  /** Between indexing batches (batch-pacing.ts): the embedded database is left free half the time. */
  pace?: Pacer;
  embeddings?: EmbeddingModel;
  /** Called with the tokens each embedding call used, for the owner's usage. */
  onEmbeddingUsage?: (ownerId: string, model: string, tokens: number) => Promise<void>;
}

export type TrainingService = ReturnType<typeof createTrainingService>;

export function createTrainingService(deps: TrainingDeps) {
  const { db, queue, logger } = deps;
  const pace = deps.pace ?? turnOfEventLoop;

  async function latestRun(ownerId: string): Promise<RunRow | undefined> {
    return db('training_runs').where({ owner_id: ownerId }).orderBy('started_at', 'desc').first<RunRow | undefined>();
  }

  async function failStaleRun(ownerId: string): Promise<void> {
    await db('training_runs')
      .where({ owner_id: ownerId, status: 'training' })
      .where('heartbeat_at', '<', new Date(Date.now() - STALE_AFTER_MS))
      .update({
        status: 'failed',
        message: 'Training was interrupted (the server restarted); start it again',
        finished_at: db.fn.now(),
      });
  }

  function toStatus(run: RunRow | undefined): TrainingStatus {
    if (!run) return { status: 'idle', progress: 0, message: 'Not trained yet' };
    return { status: run.status, progress: Number(run.progress), message: run.message ?? '' };
  }

  async function runTraining(ownerId: string, runId: string): Promise<void> {
    // A heartbeat on a timer, not per file: one large file may take longer than the staleness limit.
    const heartbeat = setInterval(() => {
      db('training_runs')
        .where({ id: runId })
        .update({ heartbeat_at: db.fn.now() })
        .catch((error: unknown) => logger.warn({ err: error, ownerId }, 'training heartbeat failed'));
    }, STALE_AFTER_MS / 4);
    heartbeat.unref();
    try {
      await processFiles(ownerId, runId);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Indexes the file's pending chunks a batch at a time; false when the file was deleted meanwhile. */
  async function indexFile(
    ownerId: string,
    fileId: string,
    onProgress: (fraction: number) => Promise<void>,
  ): Promise<boolean> {
    const { total, indexed } = await chunkProgress(db, ownerId, fileId);
    let done = indexed;
    let afterId = '0';
    const size = indexBatchSize();
    for (;;) {
      const batch = await pendingChunks(db, ownerId, fileId, size.next, afterId);
      if (batch.length === 0) return true;
      afterId = batch.at(-1)?.id ?? afterId;
      let vectors: number[][] | undefined;
      if (deps.embeddings) {
        const embedded = await deps.embeddings.embed(batch.map(searchableText));
        vectors = embedded.vectors;
        await deps.onEmbeddingUsage?.(ownerId, embedded.model, embedded.usage.promptTokens);
      }
      const started = performance.now();
      if (!(await indexChunks(db, ownerId, fileId, batch, vectors))) return false;
      done += batch.length;
      await onProgress(total > 0 ? Math.min(done / total, 1) : 1);
      const took = performance.now() - started;
      size.record(batch.length, took);
      // Statements resolve in microtasks: without a pause here, requests (status, answers, /health) would
      // wait for the whole file.
      await pace(took);
    }
  }

  async function processFiles(ownerId: string, runId: string): Promise<void> {
    const files = await db('files')
      .where({ owner_id: ownerId })
      .whereIn('status', ['uploaded', 'processing', 'failed'])
      .orderBy('uploaded_at')
      .select<{ id: string; name: string; extracted_at: Date | null }[]>('id', 'name', 'extracted_at');
    let ready = 0;
    const failed: string[] = [];
    const beat = async (progress: number, message: string): Promise<void> => {
      await db('training_runs').where({ id: runId }).update({ progress, message, heartbeat_at: db.fn.now() });
    };
    for (const [index, file] of files.entries()) {
      const message = `Processing ${file.name} (${index + 1} of ${files.length})`;
      const progressOf = (fraction: number) => (index + fraction) / files.length;
      await beat(progressOf(0), message);
      // A file being deleted meanwhile keeps that status: every update here leaves it alone.
      const thisFile = () => db('files').where({ owner_id: ownerId, id: file.id }).whereNot({ status: 'deleting' });
      await thisFile().update({ status: 'processing', error: null });
      try {
        if (file.extracted_at === null && !(await readStoredFile(db, deps.reader, ownerId, file.id, pace))) continue;
        if (!(await indexFile(ownerId, file.id, (fraction) => beat(progressOf(fraction), message)))) continue;
        const { total } = await chunkProgress(db, ownerId, file.id);
        const marked = await thisFile()
          .update({ status: 'ready', chunk_count: total, processed_at: db.fn.now() })
          .returning('id');
        if (marked.length > 0) ready++;
      } catch (error) {
        const reason = isExtractionError(error)
          ? error.message
          : 'This file could not be processed; try uploading it again';
        if (!isExtractionError(error)) logger.error({ err: error, ownerId, fileId: file.id }, 'file processing failed');
        await thisFile().update({ status: 'failed', error: reason });
        failed.push(file.name);
      }
    }
    const message =
      files.length === 0
        ? 'Nothing new to train: every file is ready'
        : `${ready} file(s) ready${failed.length ? `, ${failed.length} failed: ${failed.join(', ')}` : ''}`;
    // A run in which every file failed did not train anything: it failed, whatever else it did.
    await db('training_runs')
      .where({ id: runId })
      .update({
        status: ready === 0 && failed.length > 0 ? 'failed' : 'completed',
        progress: 1,
        message,
        finished_at: db.fn.now(),
        heartbeat_at: db.fn.now(),
      });
  }

  return {
    /** Starts a run, or returns the running one's status when the owner is already training. */
    async start(ownerId: string): Promise<{ started: boolean; status: TrainingStatus }> {
      await failStaleRun(ownerId);
      let runId: string;
      try {
        const [row] = await db('training_runs')
          .insert({ owner_id: ownerId, status: 'training', progress: 0, message: 'Queued', generation: 0 })
          .returning<{ id: string }[]>('id');
        runId = row!.id;
      } catch (error) {
        if (isUniqueViolation(error)) return { started: false, status: toStatus(await latestRun(ownerId)) };
        throw error;
      }
      await queue.enqueue(TRAIN_JOB, { ownerId, runId }, `train:${runId}`);
      return { started: true, status: toStatus(await latestRun(ownerId)) };
    },

    async status(ownerId: string): Promise<TrainingStatus> {
      await failStaleRun(ownerId);
      return toStatus(await latestRun(ownerId));
    },

    /** The job handler: registered by processes in the worker role. */
    async handleJob(payload: Record<string, string>): Promise<void> {
      const { ownerId, runId } = payload;
      if (!ownerId || !runId) return;
      try {
        await runTraining(ownerId, runId);
      } catch (error) {
        logger.error({ err: error, ownerId }, 'training failed');
        await db('training_runs')
          .where({ id: runId })
          .update({ status: 'failed', message: 'Training failed unexpectedly; try again', finished_at: db.fn.now() });
      }
    },

    /** At start of the embedded default (one process), any run still "training" died with the last process. */
    async failRunsOfDeadProcess(): Promise<void> {
      await db('training_runs').where({ status: 'training' }).update({
        status: 'failed',
        message: 'Training was interrupted (the server restarted); start it again',
        finished_at: db.fn.now(),
      });
    },
  };
}
