// The language model the assistant talks to. Vendor adapters (OpenAI-compatible servers) live in infra/.

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image'; mimeType: string; data: Uint8Array };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ChatContentPart[];
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  text: string;
  model: string;
  usage: ChatUsage;
}

export interface ChatModel {
  /** The model name sent to the server (LLM_MODEL). */
  readonly model: string;
  /** Throws ModelError when the server fails or times out after the adapter's retries. */
  complete(messages: ChatMessage[], options?: { signal?: AbortSignal; maxTokens?: number }): Promise<ChatResult>;
}

export interface EmbeddingResult {
  vectors: number[][];
  model: string;
  usage: { promptTokens: number };
}

export interface EmbeddingModel {
  readonly model: string;
  /** One vector per input, in order. Adapters batch large inputs themselves. */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<EmbeddingResult>;
}

/** What the models throw when a call fails, defined with the other domain errors. */
export { ModelError } from '../errors.ts';
