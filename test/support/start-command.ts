// What `npm start` runs (package.json's start script), to spawn as a user's start would run it: directly,
// without npm's own start-up and without a shell in between, with node_modules/.bin on PATH as npm puts it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));

export interface StartCommand {
  /** The script as written in package.json. */
  script: string;
  file: string;
  args: string[];
  /** PATH with node_modules/.bin first. */
  path: string;
}

export function startCommand(script?: string): StartCommand {
  const line =
    script ??
    (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  // A plain command line is spawned as is (a leading `exec` only tells npm's shell to become the command,
  // as spawning it directly does); anything else (quotes, operators) goes through sh, as npm would.
  const command = line.replace(/^exec /, '');
  const plain = /^[\w@./:=+-]+( [\w@./:=+-]+)*$/.test(command);
  const [file, ...args] = plain ? command.split(' ') : ['sh', '-c', line];
  return {
    script: line,
    file: file!,
    args,
    path: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
}
