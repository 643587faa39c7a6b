// Normalises extracted text: NFC, no control characters, non-breaking and repeated spaces collapsed.

// C0/C1 control characters except tab and line feed, plus zero-width and soft-hyphen characters.
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u200B-\u200D\u2060\uFEFF]/g;
const HORIZONTAL_SPACE = /[ \t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;

/** One line of text: every run of whitespace (line breaks included) becomes a single space. */
export function cleanInline(text: string): string {
  return text.normalize('NFC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** Text whose line breaks matter (opening hours, addresses): each line is cleaned, blank lines are dropped. */
export function cleanMultiline(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029\u000B\u000C]/g, '\n')
    .split('\n')
    .map((line) => line.replace(INVISIBLE, '').replace(HORIZONTAL_SPACE, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}
