import type { Attempt } from '../../results/run-results.ts';
import type { RetryIntervalsExpectation } from '../../scenarios/scenario-types.ts';

/** Milliseconds as the report reads them: 1000 -> "1.0 s", 250 -> "250 ms". */
function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}

/** The widest a measured interval may be off its expected one. */
export function intervalTolerance(e: RetryIntervalsExpectation, expectedMs: number): number {
  return Math.max(e.toleranceRatio * expectedMs, e.toleranceMs);
}

/**
 * Every way the waits between the attempts differ from a bounded retry's schedule: an interval missing (too few
 * attempts to measure it) or outside its tolerance. Intervals are compared as measured (the sidecar already divided
 * its waits by the time scale); a scaled run says both, measured and scaled back.
 */
export function retryIntervalProblems(attempts: readonly Attempt[], e: RetryIntervalsExpectation): string[] {
  const problems: string[] = [];
  const scaled = (n: number) => (e.timeScale === 1 ? '' : ` (x${e.timeScale}: ${ms(n * e.timeScale)})`);
  e.expectedMs.forEach((expected, i) => {
    const a = attempts[i];
    const b = attempts[i + 1];
    if (!a || !b) {
      problems.push(
        `no attempt ${i + 2} to measure retry interval ${i + 1} (expected ${ms(expected)}${scaled(expected)})`,
      );
      return;
    }
    const measured = b.offsetMs - a.offsetMs;
    const tolerance = intervalTolerance(e, expected);
    if (Math.abs(measured - expected) > tolerance)
      problems.push(
        `retry interval ${i + 1} was ${ms(measured)}${scaled(measured)}, expected ${ms(expected)}${scaled(expected)} ± ${ms(tolerance)}`,
      );
  });
  return problems;
}

/** The expected schedule in words, for reports: "retry waits 1.0 s, 2.0 s, 5.0 s ± 20% (x60: 1.0 min, ...)". */
export function describeRetryIntervals(e: RetryIntervalsExpectation): string {
  const list = e.expectedMs.map(ms).join(', ');
  const real =
    e.timeScale === 1
      ? ''
      : ` (time scale ${e.timeScale}: ${e.expectedMs.map((n) => ms(n * e.timeScale)).join(', ')} real)`;
  return `retry waits ${list} ± max(${Math.round(e.toleranceRatio * 100)}%, ${ms(e.toleranceMs)})${real}`;
}
