import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Attempt, Era } from '../../results/run-results.ts';
import type { Expectation } from '../../scenarios/scenario-types.ts';
import { type DeciderRules, decideOutcome, type OutcomeWitness } from './outcome-decider.ts';

// Journals recorded from the real sidecars over full 60 s windows (testdata/record-journals.ts regenerates them).
interface Journal {
  era: Era;
  windowMs: number;
  outcome: string;
  attempts: { offsetMs: number; code: string }[];
}

function journal(name: string): Journal {
  return JSON.parse(
    readFileSync(new URL(`../testdata/journals/${name}.json`, import.meta.url), 'utf8'),
  ) as Journal;
}

function attempts(list: { offsetMs: number; code: string }[]): Attempt[] {
  return list.map((a, i) => ({ seq: i + 1, wallTime: new Date(a.offsetMs).toISOString(), ...a }));
}

/** Replays a journal as the runner polls it (every 250 ms) and returns the first decision and when it came. */
function replay(
  j: { era: Era; attempts: { offsetMs: number; code: string }[] },
  expectation: Expectation,
  opts: { largestBudget?: number; full?: boolean; windowMs?: number; witness?: OutcomeWitness } = {},
) {
  const rules: DeciderRules = {
    era: j.era,
    windowMs: opts.windowMs ?? 60_000,
    largestBudget: opts.largestBudget ?? 0,
    full: opts.full ?? false,
  };
  const all = attempts(j.attempts);
  for (let t = 0; t <= rules.windowMs; t += 250) {
    const seen = all.filter((a) => a.offsetMs <= t);
    const d = decideOutcome(rules, expectation, seen, t, opts.witness);
    if (d.decided) return { ...d, attemptsSeen: seen.length };
  }
  throw new Error('never decided, not even when the window closed');
}

const UNBOUNDED: Expectation = { outcome: 'unbounded', minAttempts: 5, stillRetrying: true };
const TERMINAL: Expectation = { outcome: 'terminal', attempts: 1 };

describe('the outcome decider on recorded journals', () => {
  it('decides COSI-86 on the v1alpha1 sidecar as still retrying at its 6th attempt, seconds in', () => {
    const j = journal('cosi-86.v1alpha1-cosi86');
    expect(j.outcome).toBe('unbounded');
    const d = replay(j, UNBOUNDED, { largestBudget: 1 });
    expect(d.basis).toBe('retrying');
    expect(d.attemptsSeen).toBe(6);
    expect(d.atMs).toBeLessThan(5_000);
    expect(d.evidence).toMatch(/6 failed attempts/);
  });

  it('asks for more attempts when the run declares a larger budget', () => {
    const d = replay(journal('cosi-86.v1alpha1-cosi86'), UNBOUNDED, { largestBudget: 5 });
    expect(d.basis).toBe('retrying');
    expect(d.attemptsSeen).toBe(7);
  });

  it('does not call a sidecar that retried 5 times and stopped "still retrying" (the first 5 real attempts, then silence)', () => {
    const j = journal('cosi-86.v1alpha1-cosi86');
    const five = { era: j.era, attempts: j.attempts.slice(0, 5) };
    const d = replay(five, UNBOUNDED, { largestBudget: 4 });
    expect(d.basis).toBe('quiet');
    // v1alpha1 resyncs every 30 s: stopped only after the 35 s floor.
    expect(d.atMs - (j.attempts[4]?.offsetMs ?? 0)).toBeGreaterThanOrEqual(35_000);
  });

  it('waits out the quiet floor after a real sidecar retried 4 times and succeeded on the 5th', () => {
    const j = journal('stops-after-five.v1alpha1-cosi86');
    expect(j.attempts.map((a) => a.code)).toEqual([
      'Unavailable',
      'Unavailable',
      'Unavailable',
      'Unavailable',
      'OK',
    ]);
    const d = replay(j, { outcome: 'bounded', attempts: 5 }, { largestBudget: 5 });
    expect(d.basis).toBe('quiet');
    expect(d.attemptsSeen).toBe(5);
  });

  it('decides the v1alpha2 transient case bounded after its floor, never while it is still failing', () => {
    const j = journal('transient-unavailable.v1alpha2-main');
    expect(j.attempts).toHaveLength(4);
    const d = replay(j, { outcome: 'bounded', attempts: 4 }, { largestBudget: 4 });
    expect(d.basis).toBe('quiet');
    expect(d.atMs).toBeGreaterThanOrEqual(25_000);
  });

  it('decides v1alpha2 COSI-86 terminal only after 25 s of quiet on the journal alone', () => {
    const j = journal('cosi-86.v1alpha2-main');
    expect(j.attempts).toHaveLength(1);
    const d = replay(j, TERMINAL, { largestBudget: 1 });
    expect(d.basis).toBe('quiet');
    expect(d.atMs - (j.attempts[0]?.offsetMs ?? 0)).toBeGreaterThanOrEqual(25_000);
  });

  it('decides v1alpha2 COSI-86 terminal within seconds when its own metrics confirm the reconcile ended', () => {
    const j = journal('cosi-86.v1alpha2-main');
    const d = replay(j, TERMINAL, {
      largestBudget: 1,
      witness: { terminalConfirmed: '1 terminal reconcile error, 0 requeues' },
    });
    expect(d.basis).toBe('quiet');
    expect(d.atMs).toBeLessThan(5_000);
    expect(d.evidence).toMatch(/own records/);
  });

  it.each([
    ['v1alpha1', 'cosi-86.v1alpha1-cosi86'],
    ['v1alpha2', 'cosi-86.v1alpha2-main'],
  ] as const)('does not call a %s sidecar terminal when it retries once after 20 s', (_era, name) => {
    const j = journal(name);
    const first = j.attempts[0] as { offsetMs: number; code: string };
    const late = { era: j.era, attempts: [first, { offsetMs: first.offsetMs + 20_000, code: first.code }] };
    const d = replay(late, TERMINAL, { largestBudget: 1 });
    // The second attempt exceeds the expected 1: the verdict is decided as a failure, never as terminal.
    expect(d.basis).toBe('budget');
    expect(d.attemptsSeen).toBe(2);
  });

  it('decides a budget overrun at once and, with --full, nothing else before the window closes', () => {
    const j = journal('cosi-86.v1alpha1-cosi86');
    expect(replay(j, TERMINAL, { full: true }).basis).toBe('budget');
    const d = replay(j, UNBOUNDED, { full: true });
    expect(d.basis).toBe('window');
    expect(d.early).toBe(false);
    expect(d.attemptsSeen).toBe(10);
  });

  it('decides a journal with no call at all only after the floor (never-called)', () => {
    const d = replay({ era: 'v1alpha1', attempts: [] }, { outcome: 'never-called', attempts: 0 });
    expect(d.basis).toBe('quiet');
    expect(d.atMs).toBeGreaterThanOrEqual(35_000);
  });

  // tiered-fix's journal from the matrix at time scale 60, and the same waits at scale 1 (1m, 2m, 5m): the
  // uncompressed cell was once decided "terminal" 37 s after its first call, before its first declared retry.
  it("waits out a bounded retry's declared intervals before calling a quiet sidecar stopped", () => {
    const recorded = journal('matrix-create-permissiondenied-a.tiered-fix');
    const bounded = (scale: number): Expectation => ({
      outcome: 'bounded',
      attempts: 4,
      stillRetrying: false,
      retryIntervals: {
        expectedMs: [60_000, 120_000, 300_000].map((ms) => ms / scale),
        toleranceRatio: 0.2,
        toleranceMs: 250,
        timeScale: scale,
      },
    });
    const compressed = replay({ ...recorded, era: 'v1alpha1' }, bounded(60));
    expect(compressed.basis).toBe('quiet');
    expect(compressed.attemptsSeen).toBe(4);

    const first = recorded.attempts[0]?.offsetMs ?? 0;
    const real = recorded.attempts.map((a) => ({ ...a, offsetMs: first + (a.offsetMs - first) * 60 }));
    // After the 5m wait, twice that of quiet outlasts a 10-minute window: the window closes on 4 attempts.
    const d = replay({ era: 'v1alpha1', attempts: real }, bounded(1), { windowMs: 600_000 });
    expect(d.attemptsSeen).toBe(4);
    // With a window that allows it (19 minutes), quiet for twice the 5m wait, and the evidence says so.
    const long = replay({ era: 'v1alpha1', attempts: real }, bounded(1), { windowMs: 19 * 60_000 });
    expect(long.basis).toBe('quiet');
    expect(long.attemptsSeen).toBe(4);
    expect(long.evidence).toMatch(/twice the last interval of 300 s/);
    expect(d.atMs).toBeGreaterThan(real[3]?.offsetMs ?? Number.POSITIVE_INFINITY);
    // With the third retry missing, quiet is decided only once the 5m wait and its 60 s tolerance have passed.
    const three = replay({ era: 'v1alpha1', attempts: real.slice(0, 3) }, bounded(1), { windowMs: 600_000 });
    expect(three.attemptsSeen).toBe(3);
    expect(three.atMs).toBeGreaterThanOrEqual((real[2]?.offsetMs ?? 0) + 360_000);
    expect(three.evidence).toMatch(/declared retry interval 3 of 300 s/);
  });
});
