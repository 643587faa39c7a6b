// --profile: time spent in each query shape (knex query → query-response), and waits for a pool connection.
import type { Knex } from 'knex';

export function queryProfiler(knex: Knex): { stop(messages: number): string[] } {
  const started = new Map<string, { sql: string; at: number }>();
  const bySql = new Map<string, { count: number; ms: number }>();
  const onQuery = (query: { __knexQueryUid?: string; sql?: string }) => {
    if (query.__knexQueryUid) started.set(query.__knexQueryUid, { sql: query.sql ?? '?', at: performance.now() });
  };
  const onDone = (_response: unknown, query: { __knexQueryUid?: string }) => {
    const begun = query.__knexQueryUid ? started.get(query.__knexQueryUid) : undefined;
    if (!begun) return;
    started.delete(query.__knexQueryUid!);
    const sql = begun.sql.replace(/\s+/g, ' ').slice(0, 110);
    const entry = bySql.get(sql) ?? { count: 0, ms: 0 };
    bySql.set(sql, { count: entry.count + 1, ms: entry.ms + performance.now() - begun.at });
  };
  const onError = (_error: unknown, query: { __knexQueryUid?: string }) => onDone(undefined, query);
  knex.on('query', onQuery).on('query-response', onDone).on('query-error', onError);
  const pool = (knex.client as { pool?: { numPendingAcquires(): number; numUsed(): number } }).pool;
  const pending: number[] = [];
  const used: number[] = [];
  const sampler = setInterval(() => {
    if (!pool) return;
    pending.push(pool.numPendingAcquires());
    used.push(pool.numUsed());
  }, 5);
  return {
    stop(messages) {
      clearInterval(sampler);
      knex
        .removeListener('query', onQuery)
        .removeListener('query-response', onDone)
        .removeListener('query-error', onError);
      const rows = [...bySql.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const total = rows.reduce((sum, [, entry]) => sum + entry.ms, 0);
      const count = rows.reduce((sum, [, entry]) => sum + entry.count, 0);
      const avg = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
      return [
        `queries: ${count} (${(count / messages).toFixed(1)} per message), ${total.toFixed(0)} ms in total (${(total / messages).toFixed(1)} ms per message, summed over concurrent queries)`,
        pool
          ? `pool: connections in use avg ${avg(used).toFixed(1)} max ${Math.max(0, ...used)}; callers waiting for a connection avg ${avg(pending).toFixed(1)} max ${Math.max(0, ...pending)}`
          : 'pool: none',
        ...rows
          .slice(0, 12)
          .map(
            ([sql, entry]) =>
              `${(entry.ms / entry.count).toFixed(2).padStart(7)} ms avg  ${String(entry.count).padStart(5)}×  ${sql}`,
          ),
      ];
    },
  };
}
