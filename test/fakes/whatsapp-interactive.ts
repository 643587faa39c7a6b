// Interactive messages in the fake WhatsApp Graph API, from Meta's Cloud API reference ("Interactive
// reply buttons messages", "Interactive list messages", and the `interactive` webhook): what a send
// may hold, and the webhook Meta delivers when the customer taps a button or a list row.

export interface SentInteractive {
  type: 'button' | 'list';
  body: string;
  /** The choices as the customer sees them: id and title. */
  choices: { id: string; title: string; description?: string }[];
  /** A list's button label. */
  button?: string;
}

const fail = (details: string) => ({ error: details });
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const rec = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The `interactive` object of a send, checked against Meta's limits; an error's details otherwise. */
export function readInteractive(value: unknown): SentInteractive | { error: string } {
  const interactive = rec(value);
  const body = str(rec(interactive['body'])['text']);
  if (!body) return fail('interactive.body.text is required');
  if (body.length > 1024) return fail('interactive.body.text: the text is longer than 1024 characters');
  const action = rec(interactive['action']);
  if (interactive['type'] === 'button') {
    const buttons = Array.isArray(action['buttons']) ? action['buttons'].map(rec) : [];
    if (buttons.length < 1 || buttons.length > 3) return fail('action.buttons: between 1 and 3 buttons');
    const choices = buttons.map((button) => ({
      id: str(rec(button['reply'])['id']) ?? '',
      title: str(rec(button['reply'])['title']) ?? '',
    }));
    if (buttons.some((button) => button['type'] !== 'reply')) return fail('action.buttons[].type must be "reply"');
    if (choices.some((choice) => !choice.id || choice.id.length > 256)) return fail('button id: 1 to 256 characters');
    if (choices.some((choice) => !choice.title || choice.title.length > 20))
      return fail('button title: 1 to 20 characters');
    if (new Set(choices.map((choice) => choice.id)).size !== choices.length) return fail('button ids must be unique');
    if (new Set(choices.map((choice) => choice.title)).size !== choices.length)
      return fail('button titles must be unique');
    return { type: 'button', body, choices };
  }
  if (interactive['type'] === 'list') {
    const button = str(action['button']);
    if (!button || button.length > 20) return fail('action.button: 1 to 20 characters');
    const sections = Array.isArray(action['sections']) ? action['sections'].map(rec) : [];
    if (sections.length < 1 || sections.length > 10) return fail('action.sections: between 1 and 10 sections');
    if (sections.length > 1 && sections.some((section) => !str(section['title'])))
      return fail('section title is required when there is more than one section');
    const rows = sections.flatMap((section) => (Array.isArray(section['rows']) ? section['rows'].map(rec) : []));
    if (rows.length < 1 || rows.length > 10) return fail('rows: between 1 and 10 in all sections together');
    const choices = rows.map((row) => ({
      id: str(row['id']) ?? '',
      title: str(row['title']) ?? '',
      ...(str(row['description']) ? { description: str(row['description']) } : {}),
    }));
    if (choices.some((choice) => !choice.id || choice.id.length > 200)) return fail('row id: 1 to 200 characters');
    if (choices.some((choice) => !choice.title || choice.title.length > 24))
      return fail('row title: 1 to 24 characters');
    if (choices.some((choice) => (choice.description?.length ?? 0) > 72))
      return fail('row description: at most 72 characters');
    if (new Set(choices.map((choice) => choice.id)).size !== choices.length) return fail('row ids must be unique');
    return { type: 'list', body, choices, button };
  }
  return fail('interactive.type: "button" or "list" (others are not faked)');
}

/** The webhook body Meta delivers when customer `from` taps a choice of the message `context` (its wamid). */
export function replyWebhook(options: {
  phoneId: string;
  from: string;
  name?: string;
  wamid: string;
  context: string;
  sent: SentInteractive;
  choiceId: string;
}): Record<string, unknown> {
  const choice = options.sent.choices.find((candidate) => candidate.id === options.choiceId);
  if (!choice) throw new Error(`fake WhatsApp: the message offers no choice "${options.choiceId}"`);
  const interactive =
    options.sent.type === 'button'
      ? { type: 'button_reply', button_reply: { id: choice.id, title: choice.title } }
      : {
          type: 'list_reply',
          list_reply: {
            id: choice.id,
            title: choice.title,
            ...(choice.description ? { description: choice.description } : {}),
          },
        };
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { phone_number_id: options.phoneId },
              contacts: [{ wa_id: options.from, profile: { name: options.name ?? 'Customer' } }],
              messages: [
                {
                  from: options.from,
                  id: options.wamid,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'interactive',
                  context: { from: options.phoneId, id: options.context },
                  interactive,
                },
              ],
            },
          },
        ],
      },
    ],
  };
}
