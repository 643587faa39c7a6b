// The owner's knowledge files: upload (read once, in a thread of its own, and stored as chunks; deduplicated
// by hash), list, delete. Training indexes what upload stored; it never reads the file again.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../errors.ts';
import { type Pacer, turnOfEventLoop } from './batch-pacing.ts';
import { deleteFileInBatches, storeChunks } from './chunk-index.ts';
import { CorruptFileError } from './extraction-errors.ts';
import type { FileReader } from './file-reader.ts';

/**
 * The statuses an owner sees. Two more never leave this module: `uploading` (chunks still being stored)
 * and `deleting` (chunks being removed); such a file is not listed, trained or searched.
 */
export type FileStatus = 'uploaded' | 'processing' | 'ready' | 'failed';
type StoredStatus = FileStatus | 'uploading' | 'deleting';

export interface KnowledgeFile {
  id: string;
  name: string;
  size: number;
  type: string;
  uploaded_at: string;
  status: FileStatus;
  error: string | null;
  chunk_count: number;
}

interface FileRow {
  id: string;
  owner_id: string;
  name: string;
  size: string | number;
  type: string;
  sha256: string;
  status: StoredStatus;
  error: string | null;
  chunk_count: number;
  uploaded_at: Date;
}

const COLUMNS = ['id', 'owner_id', 'name', 'size', 'type', 'sha256', 'status', 'error', 'chunk_count', 'uploaded_at'];
/** An upload still `uploading` after this long was interrupted (its process died): it is removed. */
const INTERRUPTED_UPLOAD_MS = 10 * 60_000;

function toFile(row: FileRow): KnowledgeFile {
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    type: row.type,
    uploaded_at: row.uploaded_at.toISOString(),
    status: row.status === 'uploading' || row.status === 'deleting' ? 'uploaded' : row.status,
    error: row.error,
    chunk_count: row.chunk_count,
  };
}

export type FilesService = ReturnType<typeof createFilesService>;

export function createFilesService({
  db,
  reader,
  pace = turnOfEventLoop,
}: {
  db: Knex;
  reader: FileReader;
  /** Between batches of storing or deleting chunks (batch-pacing.ts). */
  pace?: Pacer;
}) {
  /** Makes the file unseen at once, then removes its chunks and itself in short steps. */
  async function removeInSteps(ownerId: string, fileId: string): Promise<boolean> {
    const marked = await db('files')
      .where({ owner_id: ownerId, id: fileId })
      .update({ status: 'deleting' })
      .returning('id');
    if (marked.length === 0) return false;
    await deleteFileInBatches(db, ownerId, fileId, { pace });
    return true;
  }

  /**
   * The stored file with these bytes, if any. One being deleted is deleted first (the same bytes may be
   * uploaded again at once), as is an upload interrupted long ago.
   */
  async function existing(ownerId: string, sha256: string): Promise<FileRow | undefined> {
    const row: FileRow | undefined = await db('files').select(COLUMNS).where({ owner_id: ownerId, sha256 }).first();
    if (row?.status === 'deleting') {
      await deleteFileInBatches(db, ownerId, row.id, { pace });
      return undefined;
    }
    if (row?.status !== 'uploading') return row;
    if (Date.now() - row.uploaded_at.getTime() > INTERRUPTED_UPLOAD_MS) {
      await removeInSteps(ownerId, row.id);
      return undefined;
    }
    throw new ConflictError('This file is being uploaded right now; it will appear in the list of files in a moment.');
  }

  /**
   * Reads a file once (file-reader.ts: off this thread, within the limits) and stores the chunks it
   * was read into: an unsupported, corrupt, empty or too large file is refused here with a reason the
   * owner understands, and nothing of it is stored. The same bytes uploaded again return the stored
   * file (`created: false`).
   */
  async function upload(
    ownerId: string,
    name: string,
    bytes: Uint8Array,
  ): Promise<{ file: KnowledgeFile; created: boolean }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const stored = await existing(ownerId, sha256);
    if (stored) return { file: toFile(stored), created: false };
    const read = await reader.read(bytes, name);
    const [inserted]: FileRow[] = await db('files')
      .insert({
        owner_id: ownerId,
        name,
        size: bytes.byteLength,
        type: read.type,
        sha256,
        status: 'uploading',
        extracted_at: db.fn.now(),
      })
      .onConflict(['owner_id', 'sha256'])
      .ignore()
      .returning(COLUMNS);
    if (!inserted) {
      // A concurrent upload of the same bytes stored them first.
      const winner = await existing(ownerId, sha256);
      if (winner) return { file: toFile(winner), created: false };
      return upload(ownerId, name, bytes); // ...and that upload failed: this one stores them
    }
    try {
      // In batches, not one transaction: on the embedded database a transaction holds its only
      // connection. The file stays `uploading` (not listed, not trained) until every chunk is stored.
      await storeChunks(db, ownerId, inserted.id, read.chunks, pace);
      const [row]: FileRow[] = await db('files')
        .where({ owner_id: ownerId, id: inserted.id, status: 'uploading' })
        .update({ status: 'uploaded' })
        .returning(COLUMNS);
      if (!row) throw new ConflictError('This file was removed while it was being uploaded. Upload it again.');
      return { file: toFile(row), created: true };
    } catch (error) {
      await removeInSteps(ownerId, inserted.id);
      throw error;
    }
  }

  return {
    upload,

    async list(ownerId: string): Promise<KnowledgeFile[]> {
      const rows: FileRow[] = await db('files')
        .select(COLUMNS)
        .where({ owner_id: ownerId })
        .whereNotIn('status', ['uploading', 'deleting'])
        .orderBy([{ column: 'uploaded_at', order: 'desc' }, { column: 'id' }]);
      return rows.map(toFile);
    },

    /** Deletes the file, its chunks and their words from the search statistics: it stops answering at once. */
    async remove(ownerId: string, fileId: string): Promise<void> {
      if (!(await removeInSteps(ownerId, fileId))) throw new NotFoundError('File not found');
    },

    /** At start of the embedded default (one process): an upload or delete still under way died with the last one. */
    async finishInterrupted(): Promise<void> {
      const rows = await db('files')
        .whereIn('status', ['uploading', 'deleting'])
        .select<{ id: string; owner_id: string }[]>('id', 'owner_id');
      for (const row of rows) await removeInSteps(row.owner_id, row.id);
    },
  };
}

/**
 * For a file uploaded before files were read at upload (`extracted_at` null): reads its stored bytes once,
 * in the file reader, stores its chunks in place of any it had, and drops the bytes. Returns false when
 * the file is gone. Throws an extraction error when the file cannot be read.
 */
export async function readStoredFile(
  db: Knex,
  reader: FileReader,
  ownerId: string,
  fileId: string,
  pace: Pacer = turnOfEventLoop,
): Promise<boolean> {
  // As base64 text: the embedded database decodes a large bytea parameter or result slowly, on this thread.
  const row = await db('files')
    .leftJoin('file_blobs', 'file_blobs.file_id', 'files.id')
    .where({ 'files.owner_id': ownerId, 'files.id': fileId })
    .first<{ name: string; content: string | null } | undefined>(
      'files.name',
      db.raw(`encode(file_blobs.content, 'base64') as content`),
    );
  if (!row) return false;
  if (row.content === null)
    throw new CorruptFileError('The stored copy of this file is missing. Upload the file again.');
  const read = await reader.read(new Uint8Array(Buffer.from(row.content, 'base64')), row.name);
  // Chunks an earlier, interrupted reading left.
  await deleteFileInBatches(db, ownerId, fileId, { keepFile: true, pace });
  await storeChunks(db, ownerId, fileId, read.chunks, pace);
  const updated = await db('files')
    .where({ owner_id: ownerId, id: fileId })
    .update({ type: read.type, extracted_at: db.fn.now() })
    .returning('id');
  await db('file_blobs').where({ file_id: fileId }).delete();
  return updated.length > 0;
}
