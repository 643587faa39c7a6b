// EmbeddingModel adapter for any OpenAI-compatible /embeddings endpoint via the openai SDK.
import type OpenAI from 'openai';
import type { EmbeddingModel, EmbeddingResult } from '../core/ports/chat-model.ts';
import { createOpenAIClient, toModelError, type OpenAIClientOptions } from './openai-chat-model.ts';
import { ModelError } from '../core/errors.ts';

export interface OpenAIEmbeddingOptions extends OpenAIClientOptions {
  /** Inputs per request; OpenAI allows up to 2048, smaller batches keep each request well inside the timeout. */
  batchSize?: number;
}

export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly batchSize: number;
  private readonly context: { what: string; apiKey: string; timeoutMs: number };

  constructor(options: OpenAIEmbeddingOptions) {
    this.model = options.model;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 96));
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.client = createOpenAIClient(options, { timeoutMs, maxRetries: 2 });
    this.context = { what: `embedding model ${options.model}`, apiKey: options.apiKey, timeoutMs };
  }

  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<EmbeddingResult> {
    const vectors: number[][] = [];
    let promptTokens = 0;
    let model = this.model;
    // Sequential on purpose: parallel batches would trip the provider's rate limit during training.
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      let response: OpenAI.Embeddings.CreateEmbeddingResponse;
      try {
        // 'float' because the SDK otherwise asks for base64, which some compatible servers ignore.
        response = await this.client.embeddings.create(
          { model: this.model, input: batch, encoding_format: 'float' },
          { signal: options.signal },
        );
      } catch (error) {
        throw toModelError(error, this.context);
      }
      if (response.data.length !== batch.length) {
        throw new ModelError(
          `${this.context.what}: the server returned ${response.data.length} vectors for ${batch.length} inputs`,
          false,
        );
      }
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      for (const item of ordered) vectors.push(item.embedding);
      promptTokens += response.usage?.prompt_tokens ?? 0;
      model = response.model || model;
    }
    return { vectors, model, usage: { promptTokens } };
  }
}
