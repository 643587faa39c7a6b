// Root hooks: one database for the whole run, created before the first test and dropped after the last.
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';

let shared: TestDatabase | undefined;
let creating: Promise<TestDatabase> | undefined;

/** The run's database, created on first use. */
export function testDatabase(): Promise<TestDatabase> {
  creating ??= createTestDatabase().then((created) => (shared = created));
  return creating;
}

export const mochaHooks = {
  async afterAll() {
    if (shared) await shared.drop();
  },
};
