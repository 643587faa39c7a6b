// The fetch the openai SDK and grammY use, over real HTTP against a local server: what reaches the
// server, what comes back, and failures shaped as the built-in fetch shapes them.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { jsonFetch } from '../../infra/json-fetch.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('jsonFetch', () => {
  let server: Server;
  let base: string;
  let seen: Seen[];
  let handler: (request: IncomingMessage, response: ServerResponse, body: string) => void;

  beforeEach(async () => {
    seen = [];
    handler = (_request, response) => response.end();
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        handler(request, response, body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  it('sends the method, headers and a string body, and returns status, headers and the JSON body', async () => {
    handler = (_request, response, body) => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      response.end(JSON.stringify({ echoed: JSON.parse(body) }));
    };
    const response = await jsonFetch(`${base}/v1/chat/completions?x=1`, {
      method: 'post',
      headers: new Headers({ 'Content-Type': 'application/json', Authorization: 'Bearer sk-test' }),
      body: JSON.stringify({ model: 'm', text: 'Привет' }),
    });

    expect(response.status).to.equal(201);
    expect(response.ok).to.equal(true);
    expect(response.headers.get('x-request-id')).to.equal('req_1');
    expect(await response.json()).to.deep.equal({ echoed: { model: 'm', text: 'Привет' } });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.deep.include({
      method: 'POST',
      url: '/v1/chat/completions?x=1',
      body: JSON.stringify({ model: 'm', text: 'Привет' }),
    });
    expect(seen[0]!.headers).to.deep.include({ 'content-type': 'application/json', authorization: 'Bearer sk-test' });
    // Nothing asks the server to compress: the body is read as it comes.
    expect(seen[0]!.headers['accept-encoding']).to.equal(undefined);
  });

  it('takes headers as a plain object or as pairs, and a URL object', async () => {
    handler = (_request, response) => response.end('ok');
    await jsonFetch(new URL(`${base}/a`), { headers: { 'X-One': '1' } });
    await jsonFetch(`${base}/b`, { headers: [['X-Two', '2']] });

    expect(seen.map((request) => request.url)).to.deep.equal(['/a', '/b']);
    expect(seen[0]!.headers['x-one']).to.equal('1');
    expect(seen[1]!.headers['x-two']).to.equal('2');
  });

  it('takes a Headers object of another implementation, and joins repeated names', async () => {
    handler = (_request, response) => response.end('ok');
    const { Headers: UndiciHeaders } = await import('undici');
    await jsonFetch(`${base}/c`, { headers: new UndiciHeaders({ 'X-Three': '3' }) as unknown as HeadersInit });
    await jsonFetch(`${base}/d`, {
      headers: [
        ['X-Many', 'a'],
        ['X-Many', 'b'],
      ],
    });

    expect(seen[0]!.headers['x-three']).to.equal('3');
    expect(seen[1]!.headers['x-many']).to.equal('a, b');
  });

  it('fails like fetch when a redirect would need a streamed body sent again', async () => {
    handler = (_request, response) => {
      response.writeHead(307, { location: '/elsewhere' });
      response.end();
    };
    const failure = await jsonFetch(`${base}/upload`, {
      method: 'POST',
      body: Readable.from(['bytes']) as unknown as BodyInit,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).to.be.instanceOf(TypeError);
    expect((failure as TypeError).message).to.equal('fetch failed');
    expect(seen.map((request) => request.url)).to.deep.equal(['/upload']);
  });

  it('sends a Node stream body (grammY uploads files as a multipart stream)', async () => {
    handler = (_request, response) => response.end('{"ok":true}');
    const response = await jsonFetch(`${base}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: Readable.from(['part one, ', 'part two']) as unknown as BodyInit,
    });

    expect(await response.json()).to.deep.equal({ ok: true });
    expect(seen[0]!.body).to.equal('part one, part two');
  });

  it('returns error statuses as responses, not as failures', async () => {
    handler = (_request, response) => {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      response.end('{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3"}');
    };
    const response = await jsonFetch(`${base}/botX/sendMessage`, { method: 'POST', body: '{}' });

    expect(response.status).to.equal(429);
    expect(response.ok).to.equal(false);
    expect(response.headers.get('retry-after')).to.equal('3');
    expect(await response.json()).to.deep.include({ error_code: 429 });
  });

  it('gives a null body for 204 and HEAD', async () => {
    handler = (_request, response) => {
      response.writeHead(204);
      response.end();
    };
    const empty = await jsonFetch(`${base}/nothing`, { method: 'DELETE' });
    expect(empty.status).to.equal(204);
    expect(empty.body).to.equal(null);

    handler = (_request, response) => {
      response.writeHead(200, { 'content-length': '5' });
      response.end();
    };
    const head = await jsonFetch(`${base}/head`, { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.body).to.equal(null);
  });

  it('follows redirects, keeping the method and body of a 307', async () => {
    handler = (request, response, body) => {
      if (request.url === '/old') {
        response.writeHead(307, { location: '/new' });
        response.end();
        return;
      }
      response.end(JSON.stringify({ at: request.url, body }));
    };
    const response = await jsonFetch(`${base}/old`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });

    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ at: '/new', body: '{"a":1}' });
    expect(seen.map((request) => `${request.method} ${request.url}`)).to.deep.equal(['POST /old', 'POST /new']);
  });

  it('passes an event stream through as it arrives', async () => {
    let finish: () => void = () => undefined;
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      finish = () => response.end('data: two\n\n');
    };
    const response = await jsonFetch(`${base}/stream`, { method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();

    // The first event is readable while the server still holds the response open.
    expect(decoder.decode((await reader.read()).value)).to.equal('data: one\n\n');
    finish();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest).to.equal('data: two\n\n');
  });

  it('fails like fetch when the server cannot be reached: TypeError "fetch failed" with the cause', async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
    const failure = await jsonFetch(`${base}/gone`).then(
      () => undefined,
      (error: unknown) => error,
    );
    server.listen(0, '127.0.0.1'); // for afterEach
    await once(server, 'listening');

    expect(failure).to.be.instanceOf(TypeError);
    expect((failure as TypeError).message).to.equal('fetch failed');
    expect(String(((failure as TypeError).cause as Error).message)).to.match(/ECONNREFUSED/);
  });

  it('fails like fetch on a response no fetch Response can hold (status 999)', async () => {
    handler = (_request, response) => {
      response.writeHead(999, { 'content-type': 'application/json' });
      response.end('{}');
    };
    const failure = await jsonFetch(`${base}/odd`).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).to.be.instanceOf(TypeError);
    expect((failure as TypeError).message).to.equal('fetch failed');
    expect((failure as TypeError).cause).to.be.instanceOf(RangeError);
  });

  it("rejects with the signal's reason when aborted, before or during the request", async () => {
    const already = AbortSignal.abort();
    const before = await jsonFetch(`${base}/x`, { signal: already }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(before).to.equal(already.reason);
    expect((before as DOMException).name).to.equal('AbortError');

    let arrived: () => void = () => undefined;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    handler = () => arrived(); // and never answers
    const controller = new AbortController();
    const pending = jsonFetch(`${base}/slow`, { method: 'POST', body: '{}', signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await arrival;
    controller.abort();
    const during = await pending;
    expect(during).to.equal(controller.signal.reason);
    expect((during as DOMException).name).to.equal('AbortError');
  });

  it("takes an abort signal of another kind (grammY's AbortController polyfill) and rejects with an AbortError", async () => {
    let arrived: () => void = () => undefined;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    handler = () => arrived(); // and never answers
    // An EventTarget with `aborted` and no `reason`, as the abort-controller package makes it.
    const signal = Object.assign(new EventTarget(), { aborted: false });
    const pending = jsonFetch(`${base}/poll`, {
      method: 'POST',
      body: '{}',
      signal: signal as unknown as AbortSignal,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await arrival;
    signal.aborted = true;
    signal.dispatchEvent(new Event('abort'));
    const failure = await pending;

    expect(failure).to.be.instanceOf(DOMException);
    expect((failure as DOMException).name).to.equal('AbortError');
  });

  it('hands what it does not handle (a Request object, a Blob body) to the built-in fetch', async () => {
    handler = (_request, response, body) => response.end(JSON.stringify({ body }));
    const fromRequest = await jsonFetch(new Request(`${base}/request`, { method: 'PUT', body: 'as a Request' }));
    const fromBlob = await jsonFetch(`${base}/blob`, {
      method: 'POST',
      body: new Blob(['as a Blob']),
    });

    expect(await fromRequest.json()).to.deep.equal({ body: 'as a Request' });
    expect(await fromBlob.json()).to.deep.equal({ body: 'as a Blob' });
    expect(seen.map((request) => `${request.method} ${request.url}`)).to.deep.equal(['PUT /request', 'POST /blob']);
  });
});
