// One measured scenario (the echo baseline, or a frontdesk run) as the report shows it.
import type { CpuSpent } from './cpu-time.ts';
import type { LoadResult, LoopDelay } from './protocol.ts';

export interface Row {
  scenario: string;
  database: string;
  store: string;
  /** The product's deliberate quiet period before answering (REPLY_DEBOUNCE_MS), taken off like the model's time. */
  debounceMs: number;
  /** The saturating load. */
  result: LoadResult;
  loop: LoopDelay;
  /** CPU time during the saturating load. */
  cpu?: CpuSpent;
  /** The load the throughput ratio is read at. */
  ratio?: LoadResult;
  profile?: string[];
}
