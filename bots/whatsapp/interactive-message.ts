// Choices as WhatsApp Cloud API interactive messages, within Meta's limits: up to 3 reply buttons
// (titles of at most 20 characters), else a list of up to 10 rows (titles of 24, descriptions of 72,
// opened by a button of 20); the body holds at most 1024 characters. And back: the choice in an
// `interactive` webhook message (button_reply, list_reply).
import { detectLanguage } from '../../core/assistant/language.ts';
import type { ChatAction } from '../../core/conversations/chat-actions.ts';
import { languageFile } from '../../core/language-data/language-data.ts';

export const INTERACTIVE_BODY_LIMIT = 1024;
const BUTTONS_MAX = 3;
const BUTTON_TITLE_MAX = 20;
const ROWS_MAX = 10;
const ROW_TITLE_MAX = 24;
const ROW_DESCRIPTION_MAX = 72;
const ROW_ID_MAX = 200;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The `interactive` object of a message, or undefined when the choices fit neither buttons nor a list. */
export function interactiveFor(body: string, actions: readonly ChatAction[]): Record<string, unknown> | undefined {
  if (actions.length === 0 || actions.length > ROWS_MAX || actions.some((action) => action.id.length > ROW_ID_MAX))
    return undefined;
  const text = { text: cut(body, INTERACTIVE_BODY_LIMIT) };
  if (actions.length <= BUTTONS_MAX && actions.every((action) => action.label.length <= BUTTON_TITLE_MAX))
    return {
      type: 'button',
      body: text,
      action: {
        buttons: actions.map((action) => ({ type: 'reply', reply: { id: action.id, title: action.label } })),
      },
    };
  return {
    type: 'list',
    body: text,
    action: {
      button: cut(languageFile(detectLanguage(body, 'en')).bookingChat.phrases.listButton, BUTTON_TITLE_MAX),
      sections: [
        {
          rows: actions.map((action) => ({
            id: action.id,
            title: cut(action.label, ROW_TITLE_MAX),
            ...(action.label.length > ROW_TITLE_MAX ? { description: cut(action.label, ROW_DESCRIPTION_MAX) } : {}),
          })),
        },
      ],
    },
  };
}

/** The choice a customer made in an `interactive` webhook message: its id and the title they saw. */
export function chosenReply(interactive: unknown): { id: string; title: string } | undefined {
  if (typeof interactive !== 'object' || interactive === null) return undefined;
  const { type, button_reply: button, list_reply: list } = interactive as Record<string, unknown>;
  const reply = type === 'button_reply' ? button : type === 'list_reply' ? list : undefined;
  if (typeof reply !== 'object' || reply === null) return undefined;
  const { id, title } = reply as Record<string, unknown>;
  return typeof id === 'string' && id ? { id, title: typeof title === 'string' ? title : '' } : undefined;
}
