import type { RunTiming } from '../harness/results/run-results.ts';

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * One line saying where a run's time went: the builds, how many control planes (and, where a pool lent them, how
 * many groups ran on them and how many of those on a reused plane), the groups' starts, windows and teardowns
 * summed (they overlap, so the sums exceed the wall), then when the last group was up and the last pair decided.
 * The first thing to read when a run got slower.
 */
export function runTimingLine(t: RunTiming): string {
  const planes =
    t.groups === undefined
      ? `${t.planes} control plane(s)`
      : `${t.planes} control plane(s) started in ${sec(t.planeStartMs ?? 0)}, reused ${t.planesReused ?? 0} time(s) ` +
        `(resets ${sec(t.resetMs ?? 0)}); ${t.groups} group(s)`;
  return (
    `where the time went: binaries ${sec(t.buildMs)}; ${planes}: starting ${sec(t.startMs)}, ` +
    `observing ${sec(t.windowMs)}, stopping ${sec(t.teardownMs)} (summed over groups); last group up at ` +
    `${sec(t.lastPlaneUpMs)}, last pair decided at ${sec(t.lastVerdictMs)}, done at ${sec(t.wallMs)}`
  );
}
