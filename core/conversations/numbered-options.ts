// Choices for a channel without buttons (WhatsApp Web): numbered lines under the text, answered with
// the number (the booking flow reads a bare number as the choice offered under it).
import { detectLanguage } from '../assistant/language.ts';
import { languageFile } from '../language-data/language-data.ts';
import type { ChatAction } from './chat-actions.ts';

export function withNumberedOptions(text: string, actions: readonly ChatAction[] = []): string {
  if (actions.length === 0) return text;
  const hint = languageFile(detectLanguage(text, 'en')).bookingChat.phrases.numberHint;
  const lines = actions.map((action, index) => `${index + 1}. ${action.label}`);
  return `${text}\n\n${lines.join('\n')}\n\n${hint}`;
}
