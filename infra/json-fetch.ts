// A `fetch` for the SDKs that call JSON APIs on every customer message (the openai SDK for the model,
// grammY for the Telegram Bot API), over undici's `request` instead of Node's built-in fetch or
// node-fetch. Same contract for what those SDKs use — method, headers, a string/bytes/Node-stream body,
// the abort signal, redirects followed; a Response with status, headers and body; a network failure is
// `TypeError('fetch failed', { cause })` — at half the CPU per call: the built-in fetch builds web streams
// for every request and response. Responses are read whole (they are small JSON), event streams are
// passed through as a stream. Anything else (a Request object, a web-stream or form body) goes to the
// built-in fetch unchanged. No `accept-encoding` is sent, so servers answer uncompressed.
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { lazyImport } from '../core/knowledge/lazy-import.ts';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const MAX_REDIRECTIONS = 20;

// undici (a hundred modules) loads with the first call, not at start: an install without channels or a model never needs it.
const loadUndici = lazyImport(() => import('undici'));
let shared: Dispatcher | undefined;

/** One connection pool per origin for the whole process (idle keep-alive sockets do not hold the process open). */
function dispatcher({ Agent, interceptors }: typeof import('undici')): Dispatcher {
  return (shared ??= new Agent().compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS })));
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  // A plain record as is; anything iterable (pairs, a Headers of any implementation) through Headers,
  // which also joins repeated names as fetch does.
  if (!(Symbol.iterator in headers)) {
    for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
    return out;
  }
  new Headers(headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

type SimpleBody = string | Uint8Array | Readable | null | undefined;

function isSimpleBody(body: unknown): body is SimpleBody {
  return body == null || typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable;
}

/** What fetch rejects with when aborted: the signal's reason (grammY's AbortController polyfill gives none). */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A reason phrase the Response constructor accepts (HTTP's reason-phrase characters). */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The Response for undici's response data: read whole, or streamed for an event stream. */
async function toResponse(data: Dispatcher.ResponseData, method: string): Promise<Response> {
  const { statusCode: status } = data;
  const init: ResponseInit = {
    status,
    statusText: REASON_PHRASE.test(data.statusText) ? data.statusText : '',
    headers: responseHeaders(data.headers),
  };
  if (NULL_BODY_STATUS.has(status) || method === 'HEAD') {
    await data.body.dump();
    return new Response(null, init);
  }
  if (String(data.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    return new Response(Readable.toWeb(data.body) as ReadableStream<Uint8Array>, init);
  }
  return new Response(await data.body.arrayBuffer(), init);
}

export const jsonFetch: Fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
  const body: unknown = init.body;
  if (url === undefined || !isSimpleBody(body)) return fetch(input, init);
  const method = (init.method ?? 'GET').toUpperCase();
  const signal = init.signal ?? undefined;
  try {
    const undici = await loadUndici();
    const data = await undici.request(url, {
      method: method as Dispatcher.HttpMethod,
      headers: headerRecord(init.headers),
      body: body ?? null,
      signal,
      dispatcher: dispatcher(undici),
    });
    try {
      // A streamed body was sent once and cannot be sent again to where a redirect points: fetch fails then too.
      if (body instanceof Readable && data.statusCode >= 300 && data.statusCode < 400 && data.headers.location)
        throw new Error(`a redirect (${data.statusCode}) cannot be followed with a streamed body`);
      return await toResponse(data, method);
    } catch (error) {
      // Frees the connection (destroying undici's body emits an abort error: nobody waits for it).
      data.body.once('error', () => undefined).destroy();
      throw error;
    }
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    // As fetch: any failure to get a response (connection, a malformed one) is a TypeError with the cause.
    throw new TypeError('fetch failed', { cause: error });
  }
};
