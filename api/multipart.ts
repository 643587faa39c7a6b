// Reads a multipart/form-data body with busboy, enforcing the file size limit while streaming:
// an oversized upload is refused as soon as it crosses the limit, never held whole in memory.
import busboy from 'busboy';
import type { Context } from 'koa';
import { InvalidError, TooLargeError, UnsupportedError } from '../core/errors.ts';
import { nulByteIssues } from './middleware/refuse-nul-bytes.ts';

export interface UploadedFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
}

export function readMultipart(
  ctx: Context,
  options: { maxFileBytes: number; maxFieldBytes?: number },
): Promise<MultipartBody> {
  if (!ctx.is('multipart/form-data')) {
    return Promise.reject(new UnsupportedError('Send the request as multipart/form-data'));
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        limits: { fileSize: options.maxFileBytes, files: 4, fields: 20, fieldSize: options.maxFieldBytes ?? 64 * 1024 },
      });
    } catch (error) {
      reject(new InvalidError('Malformed multipart body', undefined, { cause: error }));
      return;
    }
    const body: MultipartBody = { fields: {}, files: {} };
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      ctx.req.unpipe(parser);
      // Stop reading: the client gets its answer now and the rest of the upload is discarded.
      ctx.req.resume();
      reject(error);
    };
    parser.on('field', (name, value, info) => {
      const issues = nulByteIssues(value, ['body', name]);
      if (info.valueTruncated) fail(new TooLargeError(`Field "${name}" is too long`));
      else if (issues.length > 0) fail(new InvalidError('Validation failed', issues));
      else body.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const issues = nulByteIssues(info.filename ?? '', ['body', name, 'filename']);
      if (issues.length > 0) {
        stream.resume();
        fail(new InvalidError('Validation failed', issues));
        return;
      }
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('limit', () => {
        stream.resume();
        fail(
          new TooLargeError(`The file is larger than the ${Math.round(options.maxFileBytes / 1024 / 1024)} MB limit`),
        );
      });
      stream.on('end', () => {
        if (!failed)
          body.files[name] = {
            name: info.filename ?? name,
            mimeType: info.mimeType,
            bytes: new Uint8Array(Buffer.concat(parts)),
          };
      });
    });
    parser.on('error', (error: Error) =>
      fail(new InvalidError('Malformed multipart body', undefined, { cause: error })),
    );
    parser.on('close', () => {
      if (!failed) resolve(body);
    });
    ctx.req.pipe(parser);
  });
}
