// Loads the committed knowledge-base fixtures and asserts that a promise fails with a given error class.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';

const FIXTURES = new URL('../../../fixtures/', import.meta.url);

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** Awaits `work` and returns its error after checking its class; fails the test when it resolves. */
export async function expectRejection<E extends Error>(work: Promise<unknown>, errorClass: ErrorClass<E>): Promise<E> {
  let outcome: unknown;
  try {
    await work;
  } catch (error) {
    outcome = error;
  }
  expect(outcome, `expected a ${errorClass.name}`).to.be.instanceOf(errorClass);
  return outcome as E;
}

/** Every text of every block, one per line: what a test searches for facts. */
export function allText(doc: { blocks: readonly { text: string }[] }): string {
  return doc.blocks.map((block) => block.text).join('\n');
}
