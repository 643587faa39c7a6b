// Reads a multipart/form-data body with busboy, taking only the parts the route names: any other part is
// refused (400) as soon as its headers arrive, before its content is read, and the rest of the body is
// discarded unread; a file over the size limit is refused as soon as it crosses it. Nothing is buffered
// but the parts the route takes.
import busboy from 'busboy';
import type { Context } from 'koa';
import { BadRequestError, InvalidError, TooLargeError, UnsupportedError } from '../core/errors.ts';
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

export interface MultipartOptions {
  /** The file parts the route takes (at most one of each) and its text fields. */
  accept: { files: readonly string[]; fields: readonly string[] };
  maxFileBytes: number;
  maxFieldBytes?: number;
}

function describeAccepted(accept: MultipartOptions['accept']): string {
  const names = [...accept.files, ...accept.fields].map((name) => `"${name}"`);
  return names.length === 0 ? 'no parts' : names.join(', ');
}

export function readMultipart(ctx: Context, options: MultipartOptions): Promise<MultipartBody> {
  if (!ctx.is('multipart/form-data')) {
    return Promise.reject(new UnsupportedError('Send the request as multipart/form-data'));
  }
  const { accept } = options;
  const unexpected = (name: string) =>
    new BadRequestError(
      `This request takes no part named "${name}", or not twice; send only ${describeAccepted(accept)}, once each`,
    );
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        // Browsers send file names as raw UTF-8 ("Расписание Игоря.txt"); busboy reads latin1 unless told.
        defParamCharset: 'utf8',
        // No count limits: busboy would skip a part past them without its name. Each part is checked by
        // name as its headers arrive, and the first one the route does not take ends the request.
        limits: { fileSize: options.maxFileBytes, fieldSize: options.maxFieldBytes ?? 64 * 1024 },
      });
    } catch (error) {
      reject(new InvalidError('Malformed multipart body', undefined, { cause: error }));
      return;
    }
    const body: MultipartBody = { fields: {}, files: {} };
    const seen = new Set<string>();
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      ctx.req.unpipe(parser);
      // Stop parsing: the client gets its answer now and the rest of the upload is discarded unread.
      ctx.req.resume();
      reject(error);
    };
    const take = (name: string, allowed: readonly string[]): boolean => {
      if (!allowed.includes(name) || seen.has(name)) {
        fail(unexpected(name));
        return false;
      }
      seen.add(name);
      return true;
    };
    parser.on('field', (name, value, info) => {
      if (!take(name, accept.fields)) return;
      const issues = nulByteIssues(value, ['body', name]);
      if (info.valueTruncated) fail(new TooLargeError(`Field "${name}" is too long`));
      else if (issues.length > 0) fail(new InvalidError('Validation failed', issues));
      else body.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (!take(name, accept.files)) {
        stream.resume();
        return;
      }
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
