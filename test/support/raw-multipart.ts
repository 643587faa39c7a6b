// multipart/form-data written byte by byte, as a browser sends it: file names in raw UTF-8, parts in the
// order given, and, for tests of what the server does before a body ends, a request left open.
import { once } from 'node:events';
import http from 'node:http';

export interface RawPart {
  name: string;
  filename?: string;
  contentType?: string;
  content: string | Uint8Array;
}

const BOUNDARY = '----FrontdeskTestBoundary7MA4YWxkTrZu0gW';
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** The headers of one part (a browser writes the file name's UTF-8 bytes as they are). */
export function partHead(part: Omit<RawPart, 'content'>): Buffer {
  const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
  const type = part.filename === undefined ? '' : `Content-Type: ${part.contentType ?? 'application/octet-stream'}\r\n`;
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'utf8');
}

export function multipartBody(parts: readonly RawPart[]): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) pieces.push(partHead(part), Buffer.from(part.content), Buffer.from('\r\n'));
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

export interface RawResponse {
  status: number;
  body: any;
}

async function readResponse(response: http.IncomingMessage): Promise<RawResponse> {
  const pieces: Buffer[] = [];
  for await (const piece of response) pieces.push(piece as Buffer);
  const text = Buffer.concat(pieces).toString('utf8');
  return { status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined };
}

export async function postMultipart(url: string, token: string, body: Buffer): Promise<RawResponse> {
  const request = http.request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': MULTIPART_TYPE, 'content-length': body.length },
  });
  request.end(body);
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  return readResponse(response);
}

/**
 * Sends the headers of a request whose body is declared `declaredLength` bytes long and only `sent` of
 * them, then waits for the server's answer with the rest unsent: it resolves only if the server answers
 * without reading the rest. The request is destroyed afterwards.
 */
export async function postPartially(
  url: string,
  token: string,
  sent: Buffer,
  declaredLength: number,
): Promise<RawResponse> {
  const request = http.request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': MULTIPART_TYPE, 'content-length': declaredLength },
  });
  request.on('error', () => {}); // destroyed by us below, mid-body
  request.write(sent);
  try {
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    return await readResponse(response);
  } finally {
    request.destroy();
  }
}
