// What the assistant says by itself on WhatsApp (both modes), outside its answers (core/language-data).
import { languageFile } from '../../core/language-data/language-data.ts';

/** The polite answer to a voice message, sticker or file, in the owner's language. */
export function unsupportedPhrase(language: string | undefined): string {
  return languageFile(language ?? 'ru').channelPhrases.whatsappUnsupported;
}
