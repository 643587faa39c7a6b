// Small factories: a fresh owner per test, with unique email, registered through the real API.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { HttpClient } from './test-system.ts';

export interface RegisteredOwner {
  id: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

export function uniqueEmail(tag = 'owner'): string {
  return `${tag}-${randomUUID().slice(0, 8)}@example.com`;
}

export async function registerOwner(
  http: HttpClient,
  overrides: { email?: string; password?: string; salon_name?: string } = {},
): Promise<RegisteredOwner> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'correct horse battery';
  const response = await http.post('/api/auth/register', {
    body: { email, password, salon_name: overrides.salon_name ?? 'Lotus Beauty' },
  });
  expect(response.status, response.text).to.equal(201);
  return { id: response.body.user.id, email, password, access: response.body.access, refresh: response.body.refresh };
}
