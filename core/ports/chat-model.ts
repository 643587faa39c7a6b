// The language model the assistant talks to. Vendor adapters (OpenAI-compatible servers) live in infra/.

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image'; mimeType: string; data: Uint8Array };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ChatContentPart[];
  /** An assistant turn that asked for tools (its content may be empty). */
  toolCalls?: ToolCall[];
  /** A tool's result (`role: 'tool'`): the call it answers. */
  toolCallId?: string;
}

/** A function the model may call: its name, what it does, and its arguments as a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** The model asking for one tool: `arguments` is the JSON text the model wrote (it may be malformed). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  text: string;
  model: string;
  usage: ChatUsage;
  /** The tools the model asks to run before it answers (none: `text` is the answer). */
  toolCalls?: ToolCall[];
}

export interface CompleteOptions {
  signal?: AbortSignal;
  maxTokens?: number;
  /** Functions the model may call; `toolChoice: 'none'` makes it answer in text even so. */
  tools?: ToolDefinition[];
  toolChoice?: 'auto' | 'none';
}

export interface ChatModel {
  /** The model name sent to the server (LLM_MODEL). */
  readonly model: string;
  /** Throws ModelError when the server fails or times out after the adapter's retries. */
  complete(messages: ChatMessage[], options?: CompleteOptions): Promise<ChatResult>;
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
