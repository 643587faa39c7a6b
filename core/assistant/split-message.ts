// Splits a long reply into messages a channel accepts (Telegram: 4096 characters), at paragraph or
// sentence boundaries where possible, never inside a word unless a single word is longer than the limit.
export function splitMessage(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    const cut =
      lastBoundary(window, /\n\s*\n/g) ??
      lastBoundary(window, /\n/g) ??
      lastBoundary(window, /[.!?…](?=\s)/g, 1) ??
      lastBoundary(window, /\s/g) ??
      limit;
    parts.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** Index just after the last match that leaves at least half the window filled, or undefined. */
function lastBoundary(window: string, pattern: RegExp, keep = 0): number | undefined {
  let found: number | undefined;
  for (const match of window.matchAll(pattern)) {
    const end = match.index + keep;
    if (end >= window.length / 2 && end < window.length) found = end;
  }
  return found;
}
