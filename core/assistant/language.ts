// Guesses the customer's language from their message, so the reply uses it. The languages, their
// letters and hint words come from core/language-data.
import { LANGUAGE_FILES, LANGUAGES, type LanguageFile } from '../language-data/language-data.ts';

/** A language the assistant answers in: the code of a file in core/language-data ("ru", "uk", "en"). */
export type Language = string;

export { LANGUAGES };

/** The language's English name, for the model's instructions. */
export function languageName(language: Language): string {
  return LANGUAGE_FILES.find((file) => file.language === language)?.name ?? language;
}

interface Detector {
  language: string;
  script: RegExp;
  scriptName: string;
  scriptDefault: boolean;
  letters: Set<string>;
  words: Set<string>;
}

const DETECTORS: Detector[] = LANGUAGE_FILES.map((file: LanguageFile) => ({
  language: file.language,
  script: new RegExp(`\\p{Script=${file.detection.script}}`, 'gu'),
  scriptName: file.detection.script,
  scriptDefault: file.detection.scriptDefault,
  letters: new Set(file.detection.letters),
  words: new Set(file.detection.words),
}));

/** The only detector in a list, if it has one. */
const single = (detectors: Detector[]) => (detectors.length === 1 ? detectors[0] : undefined);

/** The detectors with the highest positive count, or none. */
function best(detectors: Detector[], count: (detector: Detector) => number): Detector[] {
  const counts = detectors.map(count);
  const top = Math.max(0, ...counts);
  return top === 0 ? [] : detectors.filter((_, index) => counts[index] === top);
}

/**
 * The message's language: by letters only one language uses (і, ї, є, ґ: Ukrainian), else by the
 * script most of its letters are in, else, among that script's languages, by common words only one of
 * them has ("Чи можна скасувати запис?" has no Ukrainian letter). When nothing tells, the owner's
 * language (`fallback`) if it is written in that script, else the script's default language.
 */
export function detectLanguage(text: string, fallback: Language = 'ru'): Language {
  const lower = text.toLowerCase();
  const byLetters = best(DETECTORS, (detector) => [...lower].filter((char) => detector.letters.has(char)).length);
  const byOwnLetters = single(byLetters);
  if (byOwnLetters) return byOwnLetters.language;

  const scriptCount = (detector: Detector) => lower.match(detector.script)?.length ?? 0;
  const inScript = best(DETECTORS, scriptCount);
  if (inScript.length === 0) return fallback;
  // A tie between scripts ("ок ok"): the owner's language's script if it is one of them.
  const script = (inScript.find((detector) => detector.language === fallback) ?? inScript[0])?.scriptName;
  const candidates = DETECTORS.filter((detector) => detector.scriptName === script);
  const onlyInScript = single(candidates);
  if (onlyInScript) return onlyInScript.language;

  const words = lower.match(/[\p{L}']+/gu) ?? [];
  const byWords = best(candidates, (detector) => words.filter((word) => detector.words.has(word)).length);
  const byOwnWords = single(byWords);
  if (byOwnWords) return byOwnWords.language;
  const undecided = byWords.length > 0 ? byWords : candidates;
  return (
    (
      undecided.find((detector) => detector.language === fallback) ??
      undecided.find((detector) => detector.scriptDefault) ??
      undecided[0]
    )?.language ?? fallback
  );
}
