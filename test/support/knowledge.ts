// Helpers for tests that need an owner with a trained knowledge base.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { HttpClient } from './test-system.ts';
import { eventually } from './eventually.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function fixture(name: string): { name: string; bytes: Uint8Array } {
  return { name: path.basename(name), bytes: new Uint8Array(readFileSync(path.join(FIXTURES, name))) };
}

export async function uploadFixture(
  http: HttpClient,
  token: string,
  name: string,
): Promise<{ id: string; status: number }> {
  const response = await http.upload('/api/agent/files/', token, { file: fixture(name) });
  expect([200, 201], response.text).to.include(response.status);
  return { id: response.body.id, status: response.status };
}

/** Starts training and waits (bounded) until the run is no longer "training", as a user's screen would. */
export async function trainAndWait(
  http: HttpClient,
  token: string,
  timeoutMs = 30_000,
): Promise<{ status: string; message: string; progress: number }> {
  const started = await http.post('/api/agent/train/', { token });
  expect(started.status, started.text).to.equal(200);
  return eventually(
    async () => {
      const status = await http.get('/api/agent/train/status/', { token });
      return status.body.status !== 'training' ? status.body : undefined;
    },
    timeoutMs,
    'training to finish',
  );
}

export async function ask(
  http: HttpClient,
  token: string,
  message: string,
): Promise<{ response: string; sources: { file_id: string; name: string; text: string }[] }> {
  const reply = await http.upload('/api/agent/test/', token, { message });
  expect(reply.status, reply.text).to.equal(200);
  return reply.body;
}

/**
 * A plain-text file of `paragraphs` paragraphs of ordinary prose (about one chunk per four paragraphs), for
 * training that takes long enough to watch: each paragraph names its number, so no two are alike.
 */
export function longTextFile(name: string, paragraphs: number): { name: string; bytes: Uint8Array } {
  const text = Array.from(
    { length: paragraphs },
    (_, index) =>
      `Rule ${index + 1}. A visit booked for a weekday can be moved once, free of charge, up to a day before; ` +
      `after that the deposit of ${100 + (index % 50)} RUB stays with the salon. Gift card ${index * 7 + 11} is valid for a year.`,
  ).join('\n\n');
  return { name, bytes: new TextEncoder().encode(text) };
}
