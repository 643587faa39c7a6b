// Entry point of the thread that reads one file (file-reader.ts). Plain JavaScript on purpose: a worker
// thread does not get the parent's TypeScript loader (tsx registers its hooks per thread, and Node loads a
// worker's entry before any inherited --import hook applies), so this file registers tsx for its own
// thread and then loads the TypeScript body. The same under `npm start`, `node --import tsx` and mocha.
import { register } from 'tsx/esm/api';

register();
await import('./file-reader-thread.ts');
