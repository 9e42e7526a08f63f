import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../results/run-results.ts';
import type { RetryIntervalsExpectation } from '../../scenarios/scenario-types.ts';
import { classifyAttempts } from './outcome.ts';
import { retryIntervalProblems } from './retry-intervals.ts';
import { checkExpectation } from './verdict.ts';

// Journals recorded from the real sidecars (testdata/record-journals.ts, and the matrix for tiered-fix).
function journal(name: string): Attempt[] {
  const j = JSON.parse(
    readFileSync(new URL(`../testdata/journals/${name}.json`, import.meta.url), 'utf8'),
  ) as { attempts: { offsetMs: number; code: string }[] };
  return j.attempts.map((a, i) => ({ seq: i + 1, wallTime: new Date(a.offsetMs).toISOString(), ...a }));
}

function at(offsets: number[], code = 'PermissionDenied'): Attempt[] {
  return offsets.map((offsetMs, i) => ({
    seq: i + 1,
    wallTime: new Date(offsetMs).toISOString(),
    offsetMs,
    code,
  }));
}

// tiered-fix's declared schedule (patches/policies/tiered-fix.yaml) at the default time scale.
const TIERED: RetryIntervalsExpectation = {
  expectedMs: [1000, 2000, 5000],
  toleranceRatio: 0.2,
  toleranceMs: 250,
  timeScale: 60,
};

/** The whole matrix check of a bounded 'always' cell: outcome, exact count, intervals. */
function boundedCellProblems(attempts: Attempt[], observedMs = 60_000): string[] {
  return checkExpectation({
    expect: { outcome: 'bounded', attempts: 4, stillRetrying: false, retryIntervals: TIERED },
    outcome: classifyAttempts({ attempts, observedMs, sidecarRestarts: 0 }),
    attempts,
    events: [],
    objects: [],
  });
}

describe('bounded retries checked against a journal', () => {
  it('passes 4 calls at 0, 1, 3 and 8 s (1m, 2m, 5m at time scale 60), each interval within 20%', () => {
    expect(boundedCellProblems(at([30, 1_060, 3_110, 8_150]))).toEqual([]);
  });

  it('fails an interval outside its tolerance, and says it measured and scaled back', () => {
    expect(retryIntervalProblems(at([0, 1_000, 4_500, 9_500]), TIERED)).toEqual([
      'retry interval 2 was 3.5 s (x60: 210.0 s), expected 2.0 s (x60: 120.0 s) ± 400 ms',
    ]);
    // The floor: a 1 s wait may be 250 ms off, not only 200 ms.
    expect(retryIntervalProblems(at([0, 1_240, 3_240, 8_240]), TIERED)).toEqual([]);
    expect(retryIntervalProblems(at([0, 1_260, 3_260, 8_260]), TIERED)).toHaveLength(1);
  });

  it('fails a count that is not exact: a 5th call (the bound not kept), or a missing retry', () => {
    expect(boundedCellProblems(at([0, 1_000, 3_000, 8_000, 13_000]))).toContain(
      '5 attempts, expected exactly 4',
    );
    const three = boundedCellProblems(at([0, 1_000, 3_000]));
    expect(three).toContain('3 attempts, expected exactly 4');
    expect(three).toContain('no attempt 4 to measure retry interval 3 (expected 5.0 s (x60: 300.0 s))');
  });

  it("fails the upstream COSI-86 sidecar's recorded journal: unbounded, its backoff far from 1m/2m/5m", () => {
    const upstream = journal('cosi-86.v1alpha1-cosi86');
    const problems = boundedCellProblems(upstream);
    expect(problems[0]).toMatch(/^outcome unbounded, expected bounded$/);
    expect(problems.filter((p) => p.startsWith('retry interval'))).toHaveLength(3);
  });

  it("fails the recorded v1alpha1 'stops after five' journal: bounded, but 5 calls at 100 ms backoff", () => {
    const problems = boundedCellProblems(journal('stops-after-five.v1alpha1-cosi86'));
    expect(problems).toContain('5 attempts, expected exactly 4');
    expect(problems.filter((p) => p.startsWith('retry interval'))).toHaveLength(3);
  });

  // Recorded from `cosi-chaos matrix --only tiered-fix --codes PermissionDenied,Unauthenticated --rpcs create,delete`
  // (2026-12-05, scale 60): the first attempt's offset is the cell's start, the rest the patch's waits.
  it("passes tiered-fix's recorded 'always' journal (create x PermissionDenied): 4 calls, then none", () => {
    const recorded = journal('matrix-create-permissiondenied-a.tiered-fix');
    expect(recorded.map((a) => a.code)).toEqual(Array(4).fill('PermissionDenied'));
    expect(boundedCellProblems(recorded)).toEqual([]);
  });

  it("fails the same recorded journal against the correct fix's terminal policy and against real time", () => {
    const recorded = journal('matrix-create-permissiondenied-a.tiered-fix');
    const terminal = checkExpectation({
      expect: { outcome: 'terminal', attempts: 1, stillRetrying: false },
      outcome: classifyAttempts({ attempts: recorded, observedMs: 60_000, sidecarRestarts: 0 }),
      attempts: recorded,
      events: [],
      objects: [],
    });
    expect(terminal.length).toBeGreaterThan(0);
    const real = { ...TIERED, expectedMs: [60_000, 120_000, 300_000], timeScale: 1 };
    expect(retryIntervalProblems(recorded, real)).toHaveLength(3);
  });

  it("passes tiered-fix's recorded 'then-ok' journal (delete x Unauthenticated): OK at the 4th call, waits as declared", () => {
    const recorded = journal('matrix-delete-unauthenticated-t.tiered-fix');
    expect(recorded.at(-1)?.code).toBe('OK');
    expect(retryIntervalProblems(recorded, TIERED)).toEqual([]);
    // One wait cut short (a bound not kept) is caught on the recorded offsets.
    const early = recorded.map((a, i) => (i === 3 ? { ...a, offsetMs: a.offsetMs - 2_000 } : a));
    expect(retryIntervalProblems(early, TIERED)).toHaveLength(1);
  });

  it('real time (scale 1): 1m, 2m, 5m within 20%', () => {
    const real = { ...TIERED, expectedMs: [60_000, 120_000, 300_000], timeScale: 1 };
    expect(retryIntervalProblems(at([0, 61_000, 182_000, 484_000]), real)).toEqual([]);
    expect(retryIntervalProblems(at([0, 1_000, 3_000, 8_000]), real)).toEqual([
      'retry interval 1 was 1.0 s, expected 60.0 s ± 12.0 s',
      'retry interval 2 was 2.0 s, expected 120.0 s ± 24.0 s',
      'retry interval 3 was 5.0 s, expected 300.0 s ± 60.0 s',
    ]);
  });
});
