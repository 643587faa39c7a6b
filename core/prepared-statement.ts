// Hot statements run as named prepared statements: PostgreSQL parses and plans a statement once per
// connection instead of on every call, which for the pipeline's few, fixed statements was more of the
// database's time than running them. The name is derived from the SQL text, so one text is one name.
// PGlite (in-process, no protocol round trip) ignores the name.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';

// The hot statements are few and fixed; the bound only guards against a caller building SQL text.
const MAX_NAMES = 2000;
const names = new LRUCache<string, string>({ max: MAX_NAMES });

function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `fd_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

export function preparedRaw(db: Knex, sql: string, bindings: readonly Knex.RawBinding[]): Knex.Raw {
  return db.raw(sql, bindings as Knex.RawBinding[]).options({ name: statementName(sql) });
}
