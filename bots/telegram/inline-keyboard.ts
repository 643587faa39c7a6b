// Choices as a Telegram inline keyboard (each button's callback_data is the choice's id, at most 64
// bytes as the Bot API requires), and back: the label of the button a customer pressed.
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { ACTION_ID_MAX_BYTES, type ChatAction } from '../../core/conversations/chat-actions.ts';

/** Buttons per row by label length: times ("10:00") four to a row, days two, longer labels one. */
function perRow(label: string): number {
  if (label.length <= 6) return 4;
  if (label.length <= 16) return 2;
  return 1;
}

export function inlineKeyboard(actions: readonly ChatAction[]): InlineKeyboardMarkup | undefined {
  const usable = actions.filter((action) => Buffer.byteLength(action.id) <= ACTION_ID_MAX_BYTES && action.label);
  if (usable.length === 0) return undefined;
  const rows: InlineKeyboardButton[][] = [];
  let row: InlineKeyboardButton[] = [];
  let width = 0;
  for (const action of usable) {
    const fits = perRow(action.label);
    if (row.length > 0 && (fits !== width || row.length >= fits)) {
      rows.push(row);
      row = [];
    }
    width = fits;
    row.push({ text: action.label, callback_data: action.id });
  }
  rows.push(row);
  return { inline_keyboard: rows };
}

/** The label of the button with this callback_data on a message's keyboard, if it is there. */
export function pressedLabel(markup: InlineKeyboardMarkup | undefined, data: string): string | undefined {
  for (const row of markup?.inline_keyboard ?? [])
    for (const button of row) if ('callback_data' in button && button.callback_data === data) return button.text;
  return undefined;
}
