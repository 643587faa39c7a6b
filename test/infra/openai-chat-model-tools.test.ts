// Tool calling through the OpenAI adapter over real HTTP: the tools as the API takes them, the model's
// calls back, the results sent as `role: "tool"` messages, and the API's rules for tool turns.
import { expect } from 'chai';
import { OpenAIChatModel } from '../../infra/openai-chat-model.ts';
import type { ChatMessage, ToolDefinition } from '../../core/ports/chat-model.ts';
import { ModelError } from '../../core/errors.ts';
import { startFakeOpenAI, toolResults, type FakeOpenAIServer } from '../fakes/openai-server.ts';
import { rejection } from '../support/model-errors.ts';

const FIND_SLOTS: ToolDefinition = {
  name: 'find_free_slots',
  description: 'Free start times for a service',
  parameters: {
    type: 'object',
    properties: { service_id: { type: 'string' }, date: { type: 'string' } },
    required: ['service_id'],
  },
};

describe('OpenAIChatModel: tool calls', () => {
  let fake: FakeOpenAIServer;
  const chat = () =>
    new OpenAIChatModel({ apiKey: fake.apiKey, baseURL: fake.url, model: 'gpt-4o-mini', maxRetries: 0 });

  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('offers the tools as functions and returns the calls the model makes', async () => {
    fake.reply(() => ({ toolCalls: [{ id: 'call_1', name: 'find_free_slots', arguments: { service_id: 's1' } }] }));
    const result = await chat().complete([{ role: 'user', content: 'Any time tomorrow?' }], { tools: [FIND_SLOTS] });
    expect(result.toolCalls).to.deep.equal([
      { id: 'call_1', name: 'find_free_slots', arguments: '{"service_id":"s1"}' },
    ]);
    expect(result.text).to.equal('');
    const body = fake.requests.at(-1)!.body as Record<string, unknown>;
    expect(body['tools']).to.deep.equal([{ type: 'function', function: FIND_SLOTS }]);
    expect(body['tool_choice']).to.equal('auto');
  });

  it('sends the assistant turn with its calls and each result as a tool message, then returns the text answer', async () => {
    fake.reply((body) => ({ text: `Free at ${JSON.parse(toolResults(body)[0]!.content).slots[0]}` }));
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Any time tomorrow?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'find_free_slots', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_1', content: JSON.stringify({ slots: ['10:00'] }) },
    ];
    const result = await chat().complete(messages, { tools: [FIND_SLOTS], toolChoice: 'none' });
    expect(result.text).to.equal('Free at 10:00');
    expect(result.toolCalls).to.equal(undefined);
    const body = fake.requests.at(-1)!.body as { messages: unknown[]; tool_choice: string };
    expect(body.tool_choice).to.equal('none');
    expect(body.messages.slice(1)).to.deep.equal([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'find_free_slots', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"slots":["10:00"]}' },
    ]);
  });

  it('a conversation that leaves a tool call unanswered is refused by the server (400), as the API does', async () => {
    const error = await rejection(
      chat().complete(
        [
          { role: 'user', content: 'Book me' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_9', name: 'find_free_slots', arguments: '{}' }] },
          { role: 'user', content: 'Hello?' },
        ],
        { tools: [FIND_SLOTS] },
      ),
    );
    expect(error).to.be.instanceOf(ModelError);
    expect((error as ModelError).message).to.include('call_9');
    expect((error as ModelError).retryable).to.equal(false);
  });
});
