import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LANGUAGE_FILES, LANGUAGES, loadLanguageFiles } from '../../../core/language-data/language-data.ts';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const english = () => JSON.parse(readFileSync(new URL('../../../core/language-data/en.json', import.meta.url), 'utf8'));

describe('core/language-data', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'frontdesk-languages-'));
    writeFileSync(path.join(directory, 'en.json'), JSON.stringify(english()));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('loads Russian, Ukrainian and English, each naming every day of the week for the search', () => {
    expect(LANGUAGES).to.deep.equal(['en', 'ru', 'uk']);
    for (const language of LANGUAGE_FILES)
      expect(Object.keys(language.search.synonyms), language.language).to.include.members(DAYS);
  });

  it('takes a new language from its file alone', () => {
    const german = { ...english(), language: 'de', name: 'German' };
    german.search.synonyms.friday = ['freitag'];
    writeFileSync(path.join(directory, 'de.json'), JSON.stringify(german));
    const loaded = loadLanguageFiles(directory);
    expect(loaded.map((language) => language.language)).to.deep.equal(['de', 'en']);
    expect(loaded[0]!.search.synonyms.friday).to.deep.equal(['freitag']);
  });

  it('refuses a file with a word listed twice, an upper-case word or a sentence missing its placeholder, naming it', () => {
    const broken: [string, (data: any) => void, RegExp][] = [
      ['twice', (data) => data.search.questionWords.push('how'), /listed twice: how/],
      ['upper case', (data) => data.smallTalk.greetings.push('Hello'), /"Hello" must be lower case/],
      ['placeholder', (data) => (data.phrases.foundIn = 'Here is what the file says:'), /must contain \{file\}/],
      ['misnamed', (data) => (data.language = 'fr'), /says it is "fr"/],
    ];
    for (const [what, breakIt, message] of broken) {
      const data = english();
      breakIt(data);
      writeFileSync(path.join(directory, 'en.json'), JSON.stringify(data));
      expect(() => loadLanguageFiles(directory), what).to.throw(/en\.json/);
      expect(() => loadLanguageFiles(directory), what).to.throw(message);
    }
  });
});
