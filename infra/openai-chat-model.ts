// ChatModel adapter for any OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM, LiteLLM) via the openai SDK.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessage, ChatModel, ChatResult } from '../core/ports/chat-model.ts';
import { jsonFetch } from './json-fetch.ts';
import { ModelError } from '../core/errors.ts';

export interface OpenAIClientOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Per attempt; the SDK's own default is 10 minutes, far too long for a customer waiting in a chat. */
  timeoutMs?: number;
  maxRetries?: number;
}

/**
 * The SDK sleeps for whatever `retry-after` a 429/503 asks, without a cap; past this we fail at once
 * (retryable) so a customer is not kept waiting for minutes and the caller can decide what to do.
 */
export const MAX_RETRY_AFTER_MS = 10_000;

function retryAfterMs(headers: Headers): number | undefined {
  const ms = parseFloat(headers.get('retry-after-ms') ?? '');
  if (!Number.isNaN(ms)) return ms;
  const header = headers.get('retry-after');
  if (!header) return undefined;
  const seconds = parseFloat(header);
  return Number.isNaN(seconds) ? Date.parse(header) - Date.now() : seconds * 1000;
}

/** Tells the SDK not to retry when the server asks for a longer wait than we are willing to sleep. */
const cappedRetryAfterFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const response = await jsonFetch(input, init);
  const wait = retryAfterMs(response.headers);
  if (wait === undefined || wait <= MAX_RETRY_AFTER_MS) return response;
  const headers = new Headers(response.headers);
  headers.set('x-should-retry', 'false');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
};

export function createOpenAIClient(
  options: OpenAIClientOptions,
  defaults: { timeoutMs: number; maxRetries: number },
): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    // Explicit so the SDK does not silently pick up OPENAI_BASE_URL; config owns the environment.
    baseURL: options.baseURL ?? 'https://api.openai.com/v1',
    timeout: options.timeoutMs ?? defaults.timeoutMs,
    maxRetries: options.maxRetries ?? defaults.maxRetries,
    fetch: cappedRetryAfterFetch,
  });
}

/** Servers may echo the key (in full or masked) in error messages; none of it may reach logs. */
function redact(text: string, apiKey: string): string {
  let out = apiKey ? text.split(apiKey).join('[redacted]') : text;
  out = out.replace(/\b(sk|key)-[\w*.-]{4,}/gi, '[redacted]');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

function serverMessage(error: APIError): string | undefined {
  const body: unknown = error.error;
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  return typeof body.message === 'string' ? body.message : undefined;
}

/** Maps whatever the SDK threw to a ModelError whose message is safe to log and whose cause holds no secrets. */
export function toModelError(error: unknown, context: { what: string; apiKey: string; timeoutMs: number }): ModelError {
  const { what, apiKey, timeoutMs } = context;
  if (error instanceof ModelError) return error;
  if (error instanceof APIUserAbortError) return new ModelError(`${what}: request aborted by the caller`, false);
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelError(`${what}: no response within ${timeoutMs} ms`, true);
  }
  if (error instanceof APIConnectionError) {
    const reason =
      error.cause instanceof Error
        ? `${error.cause.message}${error.cause.cause instanceof Error ? ` (${error.cause.cause.message})` : ''}`
        : error.message;
    return new ModelError(`${what}: could not reach the server: ${redact(reason, apiKey)}`, true);
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const cause = { status, code: error.code, type: error.type, requestId: error.requestID };
    const detail = serverMessage(error);
    const suffix = detail ? `: ${redact(detail, apiKey)}` : '';
    if (status === 401) return new ModelError(`${what}: the server rejected the API key (HTTP 401)`, false, { cause });
    if (status === 403) return new ModelError(`${what}: permission denied (HTTP 403)${suffix}`, false, { cause });
    if (status === 404)
      return new ModelError(`${what}: model or endpoint not found (HTTP 404)${suffix}`, false, { cause });
    if (status === 429) {
      const wait = retryAfterMs(error.headers);
      const hint = wait === undefined ? '' : `, retry after ${Math.ceil(wait / 1000)} s`;
      return new ModelError(`${what}: rate limited (HTTP 429${hint})${suffix}`, true, { cause });
    }
    const retryable = status === 408 || status === 409 || status >= 500;
    return new ModelError(`${what}: server answered HTTP ${status}${suffix}`, retryable, { cause });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError(`${what}: ${redact(message, apiKey)}`, false);
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  if (typeof message.content === 'string') return { role: message.role, content: message.content };
  if (message.role === 'user') {
    const content = message.content.map(
      (part): ChatCompletionContentPart =>
        part.type === 'text'
          ? { type: 'text', text: part.text }
          : {
              type: 'image_url',
              image_url: { url: `data:${part.mimeType};base64,${Buffer.from(part.data).toString('base64')}` },
            },
    );
    return { role: 'user', content };
  }
  // The API accepts images only from the user; a caller putting one elsewhere is a bug, not a server failure.
  if (message.content.some((part) => part.type === 'image')) {
    throw new ModelError(`images are only allowed in user messages, not ${message.role}`, false);
  }
  const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
  return { role: message.role, content: text };
}

export class OpenAIChatModel implements ChatModel {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly context: { what: string; apiKey: string; timeoutMs: number };

  constructor(options: OpenAIClientOptions) {
    this.model = options.model;
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.client = createOpenAIClient(options, { timeoutMs, maxRetries: 2 });
    this.context = { what: `chat model ${options.model}`, apiKey: options.apiKey, timeoutMs };
  }

  async complete(
    messages: ChatMessage[],
    options: { signal?: AbortSignal; maxTokens?: number } = {},
  ): Promise<ChatResult> {
    const body = {
      model: this.model,
      messages: messages.map(toOpenAIMessage),
      // max_tokens is deprecated and rejected by OpenAI's reasoning models.
      ...(options.maxTokens === undefined ? {} : { max_completion_tokens: options.maxTokens }),
    };
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(body, { signal: options.signal });
    } catch (error) {
      throw toModelError(error, this.context);
    }
    const choice = completion.choices[0];
    if (!choice) throw new ModelError(`${this.context.what}: the server returned no choices`, true);
    return {
      text: choice.message.content ?? choice.message.refusal ?? '',
      model: completion.model || this.model,
      usage: {
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
      },
    };
  }
}
