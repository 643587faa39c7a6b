// Counts the characters a file yields while it is read, so reading stops at the budget instead of at the end of a huge file.
import { limitExceeded } from './extraction-errors.ts';

export class TextBudget {
  private used = 0;
  constructor(readonly maxChars: number) {}

  /** Adds `chars`; throws FileTooComplexError (limit "text") once the total passes the budget. */
  take(chars: number): void {
    this.used += chars;
    if (this.used > this.maxChars) throw limitExceeded.text(this.maxChars);
  }
}
