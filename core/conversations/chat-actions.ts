// Choices the assistant offers a customer: each channel shows them its own way (Telegram inline
// buttons, WhatsApp reply buttons or a list, numbered options, the test chat's `actions`), and a choice
// made comes back as its id.

export interface ChatAction {
  /** Comes back when chosen; at most 64 bytes (Telegram's limit for callback_data, the smallest). */
  id: string;
  /** What the customer sees, in their language. */
  label: string;
}

export const ACTION_ID_MAX_BYTES = 64;

/** A list of actions as stored (jsonb) or received: anything else is no actions. */
export function parseActions(value: unknown): ChatAction[] {
  const list = typeof value === 'string' ? safeJson(value) : value;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { id, label } = item as { id?: unknown; label?: unknown };
    return typeof id === 'string' && typeof label === 'string' ? [{ id, label }] : [];
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
