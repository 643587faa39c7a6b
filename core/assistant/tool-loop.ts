// Lets the model call tools before it answers: it asks, the server runs the tools and sends back their
// results, for a bounded number of rounds; the last round forbids tools, so an answer always comes.
// The tools decide everything that matters (they check and act); the model only chooses and phrases.
import type { ChatMessage, ChatModel, ChatResult, ToolCall, ToolDefinition } from '../ports/chat-model.ts';

export interface ToolBox {
  definitions: ToolDefinition[];
  /** The tool's result as text for the model; a failure is a result too (`{"error": …}`), never a throw. */
  run(call: ToolCall): Promise<string>;
}

/** Rounds of tool calls before the model must answer in words. */
export const MAX_TOOL_ROUNDS = 4;

/** The model's final answer, with the usage of every call summed. */
export async function completeWithTools(
  model: ChatModel,
  messages: ChatMessage[],
  tools: ToolBox,
  options: { maxRounds?: number; signal?: AbortSignal } = {},
): Promise<ChatResult> {
  const maxRounds = options.maxRounds ?? MAX_TOOL_ROUNDS;
  const conversation = [...messages];
  const usage = { promptTokens: 0, completionTokens: 0 };
  for (let round = 0; ; round += 1) {
    const last = round >= maxRounds;
    const result = await model.complete(conversation, {
      signal: options.signal,
      tools: tools.definitions,
      toolChoice: last ? 'none' : 'auto',
    });
    usage.promptTokens += result.usage.promptTokens;
    usage.completionTokens += result.usage.completionTokens;
    const calls = result.toolCalls ?? [];
    // A server that calls tools when told not to gets no more rounds: its text (if any) is the answer.
    if (calls.length === 0 || last) return { text: result.text, model: result.model, usage };
    conversation.push({ role: 'assistant', content: result.text, toolCalls: calls });
    for (const call of calls) conversation.push({ role: 'tool', toolCallId: call.id, content: await tools.run(call) });
  }
}
