// What a load's records add up to: throughput, and percentiles of each message's own time.
import type { LoadResult } from './protocol.ts';

export interface Figures {
  ok: number;
  failed: number;
  msgsPerSecond: number;
  e2e: { p50: number; p99: number };
  model: { p50: number; max: number };
  own: { p50: number; p90: number; p99: number; max: number };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Own time = end to end − the model's time − the deliberate quiet period (debounceMs). */
export function figures(result: LoadResult, debounceMs: number): Figures {
  const ok = result.records.filter((record) => record.ok);
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const e2e = sorted(ok.map((record) => record.e2eMs));
  const model = sorted(ok.map((record) => record.modelMs ?? 0));
  const own = sorted(ok.map((record) => record.e2eMs - (record.modelMs ?? 0) - debounceMs));
  return {
    ok: ok.length,
    failed: result.records.length - ok.length,
    msgsPerSecond: ok.length / (result.wallMs / 1000),
    e2e: { p50: percentile(e2e, 50), p99: percentile(e2e, 99) },
    model: { p50: percentile(model, 50), max: model.at(-1) ?? Number.NaN },
    own: {
      p50: percentile(own, 50),
      p90: percentile(own, 90),
      p99: percentile(own, 99),
      max: own.at(-1) ?? Number.NaN,
    },
  };
}
