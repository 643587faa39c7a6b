// The owner's knowledge files: upload (checked by content, deduplicated by hash), list, delete.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.ts';
import { extractDocument } from './extract.ts';
import { refreshTermStats } from './term-stats.ts';

export type FileStatus = 'uploaded' | 'processing' | 'ready' | 'failed';

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
  status: FileStatus;
  error: string | null;
  chunk_count: number;
  uploaded_at: Date;
}

const COLUMNS = ['id', 'owner_id', 'name', 'size', 'type', 'sha256', 'status', 'error', 'chunk_count', 'uploaded_at'];

function toFile(row: FileRow): KnowledgeFile {
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    type: row.type,
    uploaded_at: row.uploaded_at.toISOString(),
    status: row.status,
    error: row.error,
    chunk_count: row.chunk_count,
  };
}

export type FilesService = ReturnType<typeof createFilesService>;

export function createFilesService({ db }: { db: Knex }) {
  return {
    /**
     * Stores a file after reading it once: an unsupported, corrupt or empty file is refused here with
     * a reason the owner understands, instead of failing later in training. The same bytes uploaded
     * again return the stored file (`created: false`).
     */
    async upload(ownerId: string, name: string, bytes: Uint8Array): Promise<{ file: KnowledgeFile; created: boolean }> {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const existing: FileRow | undefined = await db('files')
        .select(COLUMNS)
        .where({ owner_id: ownerId, sha256 })
        .first();
      if (existing) return { file: toFile(existing), created: false };
      const document = await extractDocument(bytes, name);
      const row = await db.transaction(async (trx) => {
        const [inserted]: FileRow[] = await trx('files')
          .insert({ owner_id: ownerId, name, size: bytes.byteLength, type: document.type, sha256, status: 'uploaded' })
          .onConflict(['owner_id', 'sha256'])
          .ignore()
          .returning(COLUMNS);
        // A concurrent upload of the same bytes won the race: return its row.
        if (!inserted)
          return (await trx('files').select(COLUMNS).where({ owner_id: ownerId, sha256 }).first()) as FileRow;
        await trx('file_blobs').insert({ file_id: inserted.id, content: Buffer.from(bytes) });
        return inserted;
      });
      return { file: toFile(row), created: true };
    },

    async list(ownerId: string): Promise<KnowledgeFile[]> {
      const rows: FileRow[] = await db('files')
        .select(COLUMNS)
        .where({ owner_id: ownerId })
        .orderBy([{ column: 'uploaded_at', order: 'desc' }, { column: 'id' }]);
      return rows.map(toFile);
    },

    /** Deletes the file, its bytes and its chunks: it stops answering at once. */
    async remove(ownerId: string, fileId: string): Promise<void> {
      // `returning` rather than the affected-row count, which the PGlite driver does not report.
      const deleted = await db('files').where({ owner_id: ownerId, id: fileId }).delete().returning('id');
      if (deleted.length === 0) throw new NotFoundError('File not found');
      await refreshTermStats(db, ownerId);
    },
  };
}

/** Owner-scoped access for the training job. */
export async function loadFileForTraining(
  db: Knex,
  ownerId: string,
  fileId: string,
): Promise<{ name: string; bytes: Uint8Array } | undefined> {
  const row = await db('files')
    .join('file_blobs', 'file_blobs.file_id', 'files.id')
    .where({ 'files.owner_id': ownerId, 'files.id': fileId })
    .first<{ name: string; content: Buffer } | undefined>('files.name', 'file_blobs.content');
  return row ? { name: row.name, bytes: new Uint8Array(row.content) } : undefined;
}
