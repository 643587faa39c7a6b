// Event-loop delay of the calling thread while a load runs.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoopDelay } from './protocol.ts';

/** The histogram counts the sampling interval too; it is taken off. */
export function loopMonitor(): { stop(): LoopDelay } {
  const resolutionMs = 2;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
  return {
    stop() {
      histogram.disable();
      return { p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max) };
    },
  };
}
