// A local fake of an OpenAI-compatible API, so adapters are tested over real HTTP without the network.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** A function call the fake model makes; `arguments` is sent as the JSON text the API carries (a string as is). */
export interface FakeToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
  id?: string;
}

/** `usage: null` makes the server omit usage, as some compatible servers do. */
export type FakeReply =
  | { text: string; delayMs?: number; usage?: FakeUsage | null }
  | { toolCalls: FakeToolCall[]; text?: string; delayMs?: number; usage?: FakeUsage | null }
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

export type ReplyFn = (body: Record<string, unknown>) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAIServer {
  /** Base URL ending in `/v1`, ready for the SDK's `baseURL`. */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  /** Programs chat completion replies; without an argument restores the echo. */
  reply(fn?: ReplyFn): void;
  /** The next `n` POSTs (chat or embeddings) fail with `status`. */
  failNext(n: number, status: number, headers?: Record<string, string>): void;
  /** The next POST (chat or embeddings) is answered only after `delayMs`, simulating a slow server. */
  delayNext(delayMs: number): void;
  /**
   * Embedding requests with an input matching `predicate` wait, unanswered, until `release()` (or until the
   * client gives up): a request in flight for as long as a test needs, with no timer.
   */
  holdEmbeddings(predicate: (input: string) => boolean): { release(): void };
  waitFor(predicate: (request: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export const FAKE_EMBEDDING_DIMENSIONS = 64;

const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** The fake's token count: one token per word, deterministic so tests can predict usage. */
export function fakeTokenCount(text: string): number {
  return words(text).length;
}

/** Hashed bag of words, L2-normalised: texts sharing words get similar vectors. */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(FAKE_EMBEDDING_DIMENSIONS).fill(0);
  for (const word of words(text)) {
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193) >>> 0;
    vector[hash % FAKE_EMBEDDING_DIMENSIONS]! += 1;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string' ? part['text'] : '',
    )
    .filter(Boolean)
    .join(' ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messagesOf(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
}

/** The text of the last user message, which the default reply echoes back. */
export function lastUserText(body: Record<string, unknown>): string {
  const user = messagesOf(body)
    .filter((message) => message['role'] === 'user')
    .at(-1);
  return user ? contentText(user['content']) : '';
}

const echo: ReplyFn = (body) => ({ text: `Echo: ${lastUserText(body)}` });

/** A tool result the client sent back (`role: "tool"`), with the name of the function it answers. */
export interface ToolResult {
  toolCallId: string;
  name: string;
  content: string;
}

/** Every tool result in the conversation, in order, each with the function name its call had. */
export function toolResults(body: Record<string, unknown>): ToolResult[] {
  const names = new Map<string, string>();
  const results: ToolResult[] = [];
  for (const message of messagesOf(body)) {
    for (const call of Array.isArray(message['tool_calls']) ? message['tool_calls'].filter(isRecord) : []) {
      const fn = isRecord(call['function']) ? call['function'] : {};
      names.set(String(call['id']), String(fn['name']));
    }
    if (message['role'] === 'tool') {
      const id = String(message['tool_call_id']);
      results.push({ toolCallId: id, name: names.get(id) ?? '', content: contentText(message['content']) });
    }
  }
  return results;
}

/**
 * The API's rules for tools and tool turns, with its own error messages: a function's name matches
 * ^[a-zA-Z0-9_-]{1,64}$; a `tool` message answers a call of the assistant turn just before it, and every
 * call of that turn is answered before the conversation goes on.
 */
function toolProtocolError(body: Record<string, unknown>): { message: string; param: string } | undefined {
  const tools = body['tools'];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return { message: "Invalid type for 'tools': expected an array.", param: 'tools' };
    for (const [i, tool] of tools.entries()) {
      const fn = isRecord(tool) && isRecord(tool['function']) ? tool['function'] : undefined;
      if (!isRecord(tool) || tool['type'] !== 'function' || !fn)
        return { message: `Missing required parameter: 'tools[${i}].function'.`, param: `tools[${i}].function` };
      if (typeof fn['name'] !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(fn['name']))
        return {
          message: `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          param: `tools[${i}].function.name`,
        };
    }
  }
  let open: string[] = [];
  for (const [i, message] of messagesOf(body).entries()) {
    if (message['role'] === 'tool') {
      const id = String(message['tool_call_id'] ?? '');
      if (!open.includes(id))
        return {
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${i}].role`,
        };
      open = open.filter((pending) => pending !== id);
      continue;
    }
    if (open.length > 0)
      return {
        message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`,
        param: `messages.[${i}].role`,
      };
    const calls = message['role'] === 'assistant' && Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
    open = calls.filter(isRecord).map((call) => String(call['id']));
  }
  return undefined;
}

function errorBody(status: number, message: string, code: string | null = null, param: string | null = null): unknown {
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param, code } };
}

export async function startFakeOpenAI(options: { apiKey?: string; models?: string[] } = {}): Promise<FakeOpenAIServer> {
  const apiKey = options.apiKey ?? 'sk-fake-test-key';
  const models = options.models ?? ['gpt-4o-mini', 'text-embedding-3-small'];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<{
    predicate: (request: RecordedRequest) => boolean;
    resolve: (request: RecordedRequest) => void;
  }>();
  const delays = new Set<NodeJS.Timeout>();
  const failures: Array<{ status: number; headers: Record<string, string> }> = [];
  let replyFn: ReplyFn = echo;
  let nextDelayMs = 0;
  const holds = new Set<{ predicate: (input: string) => boolean; released: Promise<void> }>();
  const releaseHolds = new Set<() => void>();
  let counter = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  // Latency is simulated by the server; the timer dies with the client's connection so nothing lingers.
  const after = (res: ServerResponse, delayMs: number | undefined): Promise<boolean> => {
    if (!delayMs) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve(!res.destroyed);
      }, delayMs);
      delays.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        delays.delete(timer);
        resolve(false);
      });
    });
  };

  const chatCompletion = async (body: Record<string, unknown>, res: ServerResponse): Promise<void> => {
    const reply = await replyFn(body);
    if (!(await after(res, reply.delayMs))) return;
    if ('status' in reply)
      return send(res, reply.status, reply.body ?? errorBody(reply.status, `Simulated ${reply.status}`), reply.headers);

    const id = `chatcmpl-fake-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const model = String(body['model']);
    const promptTokens = messagesOf(body).reduce(
      (sum, message) => sum + fakeTokenCount(contentText(message['content'])),
      0,
    );
    const text = reply.text ?? '';
    const toolCalls =
      'toolCalls' in reply
        ? reply.toolCalls.map((call) => ({
            id: call.id ?? `call_fake_${++counter}`,
            type: 'function',
            function: {
              name: call.name,
              arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
            },
          }))
        : undefined;
    const completionTokens =
      fakeTokenCount(text) + (toolCalls ?? []).reduce((sum, call) => sum + fakeTokenCount(call.function.arguments), 0);
    const usage =
      reply.usage === null
        ? undefined
        : (reply.usage ?? { prompt_tokens: promptTokens, completion_tokens: completionTokens });
    const usageBody = usage && { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };

    if (body['stream'] !== true) {
      // As the API sends a turn that calls tools: content null unless the model also wrote text.
      const message = toolCalls
        ? { role: 'assistant', content: text || null, refusal: null, tool_calls: toolCalls }
        : { role: 'assistant', content: text, refusal: null };
      return send(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, finish_reason: toolCalls ? 'tool_calls' : 'stop', logprobs: null }],
        ...(usageBody ? { usage: usageBody } : {}),
      });
    }
    if (toolCalls) return send(res, 500, errorBody(500, 'Fake server: tool calls are not faked over streaming'));

    const streamOptions = body['stream_options'];
    const includeUsage = isRecord(streamOptions) && streamOptions['include_usage'] === true;
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const events: unknown[] = [chunk({ role: 'assistant', content: '' }, null)];
    for (const piece of text.match(/\S+\s*/g) ?? []) events.push(chunk({ content: piece }, null));
    events.push(chunk({}, 'stop'));
    if (includeUsage)
      events.push({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageBody ?? null });

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
    res.end('data: [DONE]\n\n');
  };

  const embeddings = (body: Record<string, unknown>, res: ServerResponse): void => {
    const raw = body['input'];
    const inputs = typeof raw === 'string' ? [raw] : raw;
    if (
      !Array.isArray(inputs) ||
      inputs.length === 0 ||
      !inputs.every((input) => typeof input === 'string' && input !== '')
    ) {
      return send(
        res,
        400,
        errorBody(400, "'$.input' is invalid: expected a non-empty string or array of non-empty strings"),
      );
    }
    const base64 = body['encoding_format'] === 'base64';
    const data = inputs.map((input: string, index) => {
      const vector = fakeEmbedding(input);
      const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((sum: number, input: string) => sum + fakeTokenCount(input), 0);
    // Reversed on purpose: the API promises `index`, not array order, so adapters must sort.
    send(res, 200, {
      object: 'list',
      data: data.reverse(),
      model: String(body['model']),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    let badJson = false;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
      }
    }
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body };
    requests.push(recorded);
    for (const waiter of waiters) {
      if (waiter.predicate(recorded)) {
        waiters.delete(waiter);
        waiter.resolve(recorded);
      }
    }

    // Echoes the presented key in full, as some compatible proxies do, so tests prove adapters redact it.
    const presented = req.headers.authorization ?? '';
    if (presented !== `Bearer ${apiKey}`) {
      const shown = presented.replace(/^Bearer\s+/i, '');
      return send(
        res,
        401,
        errorBody(
          401,
          `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_api_key',
        ),
      );
    }
    if (badJson) return send(res, 400, errorBody(400, 'We could not parse the JSON body of your request.'));
    if (req.method === 'GET' && path === '/v1/models') {
      return send(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })),
      });
    }
    const route =
      req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/embeddings') ? path : undefined;
    if (!route) return send(res, 404, errorBody(404, `Unknown request URL: ${req.method} ${path}`, 'unknown_url'));
    const delayMs = nextDelayMs;
    nextDelayMs = 0;
    if (!(await after(res, delayMs))) return;
    if (route === '/v1/embeddings' && isRecord(body)) {
      const inputs = Array.isArray(body['input']) ? body['input'] : [body['input']];
      for (const hold of holds)
        if (inputs.some((input) => typeof input === 'string' && hold.predicate(input))) await hold.released;
      if (res.destroyed) return;
    }
    const failure = failures.shift();
    if (failure)
      return send(res, failure.status, errorBody(failure.status, `Simulated ${failure.status}`), failure.headers);
    if (!isRecord(body) || typeof body['model'] !== 'string')
      return send(res, 400, errorBody(400, 'you must provide a model parameter'));
    if (route === '/v1/embeddings') return embeddings(body, res);
    if (messagesOf(body).length === 0) return send(res, 400, errorBody(400, "'messages' must be a non-empty array"));
    const protocol = toolProtocolError(body);
    if (protocol) return send(res, 400, errorBody(400, protocol.message, null, protocol.param));
    return chatCompletion(body, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, errorBody(500, `Fake server error: ${String(error)}`)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    reply(fn) {
      replyFn = fn ?? echo;
    },
    failNext(n, status, headers = {}) {
      for (let i = 0; i < n; i++) failures.push({ status, headers });
    },
    delayNext(delayMs) {
      nextDelayMs = delayMs;
    },
    holdEmbeddings(predicate) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const hold = { predicate, released };
      holds.add(hold);
      const releaseThis = () => {
        holds.delete(hold);
        releaseHolds.delete(releaseThis);
        release();
      };
      releaseHolds.add(releaseThis);
      return { release: releaseThis };
    },
    waitFor(predicate, timeoutMs = 5_000) {
      const seen = requests.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (request: RecordedRequest) => {
            clearTimeout(timer);
            resolve(request);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fake OpenAI server: no matching request within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async close() {
      for (const release of [...releaseHolds]) release();
      for (const timer of delays) clearTimeout(timer);
      delays.clear();
      const closed = once(server, 'close');
      server.close();
      // Keep-alive and delayed responses would otherwise hold the server (and the test process) open.
      server.closeAllConnections();
      await closed;
    },
  };
}
