import type { RunTiming } from '../harness/results/run-results.ts';

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * One line saying where a run's time went: the builds, how many control planes, and their starts, windows and
 * teardowns summed over planes (they overlap, so the sums exceed the wall), then when the last plane was up and the
 * last pair decided. The first thing to read when a run got slower.
 */
export function runTimingLine(t: RunTiming): string {
  return (
    `where the time went: binaries ${sec(t.buildMs)}; ${t.planes} control plane(s): starting ${sec(t.startMs)}, ` +
    `observing ${sec(t.windowMs)}, stopping ${sec(t.teardownMs)} (summed over planes); last plane up at ` +
    `${sec(t.lastPlaneUpMs)}, last pair decided at ${sec(t.lastVerdictMs)}, done at ${sec(t.wallMs)}`
  );
}
