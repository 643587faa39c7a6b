// Which new passwords are refused: blank ones, and ones an attacker would guess early. The estimate is
// zxcvbn's (@zxcvbn-ts): its common-password and word lists plus keyboard patterns, sequences, repeats
// and dates, which a short bundled list would miss ('P@ssw0rd', 'qwerty123', 'abcdefgh'). It is
// loaded on the first sign-up or password change (about half a second and a few MB), not at start.
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/** zxcvbn scores 0 ("too guessable") and 1 ("very guessable": under a million guesses) are refused. */
const MIN_SCORE = 2;
// zxcvbn's cost grows with length (~30 ms for 256 characters); the first 64 decide whether a password is weak.
const CHECKED_LENGTH = 64;

const WHY: Record<string, string> = {
  topTen: 'it is one of the ten most common passwords',
  topHundred: 'it is one of the hundred most common passwords',
  common: 'it is a very common password',
  similarToCommon: 'it is a common password with small changes',
  straightRow: 'it is a row of keys on the keyboard',
  keyPattern: 'it is a keyboard pattern',
  simpleRepeat: 'it repeats the same characters',
  extendedRepeat: 'it repeats the same characters',
  sequences: 'it is a sequence such as abcd or 1234',
  dates: 'it is a date',
  recentYears: 'it is a recent year',
  userInputs: 'it is made of your email or salon name',
};

let estimator: Promise<ZxcvbnFactory> | undefined;
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
    ]);
    return new ZxcvbnFactory({
      dictionary: common.dictionary,
      graphs: common.adjacencyGraphs,
      maxLength: CHECKED_LENGTH,
    });
  })();
  estimator.catch(() => (estimator = undefined));
  return estimator;
}

/**
 * Why `password` may not be used, or undefined when it may. `related` are the account's own words
 * (email, salon name), which make a password easy to guess for whoever knows them.
 */
export async function passwordProblem(password: string, related: string[] = []): Promise<string | undefined> {
  if (password.trim() === '') return 'The password cannot be only spaces';
  // zxcvbn matches whole entries: 'Lotus Beauty' and 'anna@lotus.com' also as their words, joined or not.
  const words = related.flatMap((text) => {
    const parts = text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((part) => part.length >= 3);
    return [text.toLowerCase(), parts.join(''), ...parts];
  });
  const result = (await loadEstimator()).check(password.slice(0, CHECKED_LENGTH), words);
  if (result.score >= MIN_SCORE) return undefined;
  const why = WHY[result.feedback.warning ?? ''] ?? 'it is easy to guess';
  return `This password is too easy to guess (${why}): choose a longer one, such as a few unrelated words`;
}
