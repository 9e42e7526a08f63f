import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../results/run-results.ts';
import { classifyAttempts } from './outcome.ts';
import { budgetExceeded, checkExpectation, resentAfterOk } from './verdict.ts';

const at = (offsets: number[], code = 'InvalidArgument', last?: string): Attempt[] =>
  offsets.map((offsetMs, i) => ({
    seq: i + 1,
    wallTime: '',
    offsetMs,
    code: i === offsets.length - 1 && last ? last : code,
  }));

describe('classifyAttempts', () => {
  it('a doubling series still going at the end is unbounded', () => {
    const r = classifyAttempts({
      attempts: at([0, 100, 300, 700, 1500, 3100, 6300, 12700]),
      observedMs: 20_000,
      sidecarRestarts: 0,
    });
    expect(r).toMatchObject({ outcome: 'unbounded', stillRetryingAtEnd: true });
    expect(r.intervalsMs).toEqual([100, 200, 400, 800, 1600, 3200, 6400]);
  });

  it('one attempt and long quiet is terminal; no attempt is never-called', () => {
    expect(classifyAttempts({ attempts: at([50]), observedMs: 60_000, sidecarRestarts: 0 }).outcome).toBe(
      'terminal',
    );
    expect(classifyAttempts({ attempts: [], observedMs: 60_000, sidecarRestarts: 0 }).outcome).toBe(
      'never-called',
    );
  });

  it('failures then success is bounded', () => {
    const r = classifyAttempts({
      attempts: at([0, 100, 300, 700], 'Unavailable', 'OK'),
      observedMs: 60_000,
      sidecarRestarts: 0,
    });
    expect(r).toMatchObject({ outcome: 'bounded', stillRetryingAtEnd: false });
  });

  it('retries that stopped long before the end are bounded, not unbounded', () => {
    expect(
      classifyAttempts({ attempts: at([0, 100, 300]), observedMs: 60_000, sidecarRestarts: 0 }).outcome,
    ).toBe('bounded');
  });

  it('a sidecar restart is reported as crashed, whatever the journal says', () => {
    expect(classifyAttempts({ attempts: at([0, 100]), observedMs: 5_000, sidecarRestarts: 1 }).outcome).toBe(
      'crashed',
    );
  });
});

describe('checkExpectation', () => {
  const unbounded = classifyAttempts({
    attempts: at([0, 100, 300, 700, 1500, 3100]),
    observedMs: 6_000,
    sidecarRestarts: 0,
  });

  it('passes when every field holds and lists each problem otherwise', () => {
    const attempts = at([0, 100, 300, 700, 1500, 3100]);
    expect(
      checkExpectation({
        expect: { outcome: 'unbounded', minAttempts: 5, stillRetrying: true },
        outcome: unbounded,
        attempts,
        events: [],
        objects: [],
      }),
    ).toEqual([]);
    const problems = checkExpectation({
      expect: {
        outcome: 'terminal',
        attempts: 1,
        events: ['FailedCreateBucket'],
        statusError: true,
        minBucketNameLength: 98,
      },
      outcome: unbounded,
      attempts,
      events: [],
      objects: [{ kind: 'Bucket', name: 'b', status: {} }],
    });
    expect(problems).toEqual([
      'outcome unbounded, expected terminal',
      '6 attempts, expected exactly 1',
      'longest bucket name in the journal is 0 characters, expected >= 98',
      'no FailedCreateBucket Event',
      'Bucket status.error is not set',
    ]);
  });

  it('counts minAttempts only within the given time', () => {
    const attempts = at([0, 30_000, 70_000]);
    const p = checkExpectation({
      expect: { outcome: 'bounded', minAttempts: 3, within: '60s' },
      outcome: unbounded,
      attempts,
      events: [],
      objects: [],
    });
    expect(p).toContain('2 attempts within 60s, expected at least 3');
  });

  it('attemptsUntilOk: the first OK at attempt N, a success re-sent after it reported, a failure after it not allowed', () => {
    const bounded = { outcome: 'bounded' as const, intervalsMs: [], stillRetryingAtEnd: false };
    const check = (codes: string[]) =>
      checkExpectation({
        expect: { outcome: 'bounded', attemptsUntilOk: 4 },
        outcome: bounded,
        attempts: codes.map((code, i) => ({ seq: i + 1, wallTime: '', offsetMs: i * 100, code })),
        events: [],
        objects: [],
      });
    const u = 'Unknown';
    expect(check([u, u, u, 'OK'])).toEqual([]);
    // Seen under CI load on upstream v1alpha1: a fifth create, answered OK, after the status write conflicted.
    expect(check([u, u, u, 'OK', 'OK'])).toEqual([]);
    expect(
      resentAfterOk([u, u, u, 'OK', 'OK'].map((code, i) => ({ seq: i, wallTime: '', offsetMs: i, code }))),
    ).toBe(1);
    expect(check([u, u, 'OK'])).toEqual(['the first OK at attempt 3, expected at attempt 4']);
    expect(check([u, u, u, 'OK', u])).toEqual(['1 failed attempt(s) after the first OK (Unknown)']);
    expect(check([u, u, u, u, u])).toEqual([
      'no attempt answered OK in 5, expected the first OK at attempt 4',
    ]);
  });

  it('a budget is exceeded only by more attempts than allowed', () => {
    expect(budgetExceeded({ outcome: 'terminal', attempts: 1 }, 1)).toBe(false);
    expect(budgetExceeded({ outcome: 'terminal', attempts: 1 }, 2)).toBe(true);
    expect(budgetExceeded({ outcome: 'unbounded', minAttempts: 5 }, 100)).toBe(false);
  });
});
