// The test chat as a customer uses it to book: say something, or press one of the last answer's
// actions by its label (as a customer taps the button they read).
import { expect } from 'chai';
import type { HttpClient } from './test-system.ts';

export interface ChatReply {
  response: string;
  actions: { id: string; label: string }[];
  chat_id: string;
  sources: unknown[];
  timestamp: string;
}

type Offered = Pick<ChatReply, 'response' | 'actions'>;

export function labels(reply: Offered): string[] {
  return reply.actions.map((action) => action.label);
}

/** The id of the action with this label; fails naming the labels there are. */
export function actionId(reply: Offered, label: string): string {
  const found = reply.actions.find((action) => action.label === label);
  expect(found, `no action "${label}" in ${JSON.stringify(labels(reply))} (response: ${reply.response})`).to.exist;
  return found!.id;
}

export function testChat(http: HttpClient, token: string) {
  const post = async (body: Record<string, string>): Promise<ChatReply> => {
    const response = await http.post('/api/agent/test/', { token, body });
    expect(response.status, response.text).to.equal(200);
    return response.body as ChatReply;
  };
  let last: ChatReply | undefined;
  return {
    async say(message: string): Promise<ChatReply> {
      return (last = await post({ message }));
    },
    async pressId(action: string): Promise<ChatReply> {
      return (last = await post({ action }));
    },
    /** Presses the action with this label in the last reply. */
    async press(label: string): Promise<ChatReply> {
      expect(last, 'nothing said yet').to.exist;
      return (last = await post({ action: actionId(last!, label) }));
    },
    get last(): ChatReply {
      expect(last, 'nothing said yet').to.exist;
      return last!;
    },
  };
}
