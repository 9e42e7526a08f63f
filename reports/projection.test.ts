import { describe, expect, it } from 'vitest';
import type { BackoffFit } from '../harness/results/run-results.ts';
import { projectAttempts, UPSTREAM_V1ALPHA1_CAP_MS } from './projection.ts';

const backoff = (baseMs: number, factor: number, capMs: number | null, points = 10): BackoffFit => ({
  baseMs,
  factor,
  capMs,
  points,
  rmsLogError: 0,
});

describe('projectAttempts', () => {
  it('counts 100 ms doubling to a 30 s cap: 10 attempts in the first 51.1 s, then one per 30 s', () => {
    // 1 + 9 growing retries (100 ms .. 25.6 s, 51.1 s in all) + floor((86 400 s - 51.1 s) / 30 s) = 2888.
    const p = projectAttempts(backoff(100, 2, 30_000));
    expect(p.attemptsPerObjectPerDay).toBe(2888);
    expect(p.attemptsPerDayPer1000Objects).toBe(2_888_000);
    expect(p.assumptions[0]).toBe('cap 30 s reached in the window and holds for the whole horizon');
  });

  it('assumes the upstream v1alpha1 cap, and says so, when the window never reached one', () => {
    const p = projectAttempts(backoff(100, 2, null, 6));
    expect(UPSTREAM_V1ALPHA1_CAP_MS).toBe(30_000);
    expect(p.attemptsPerObjectPerDay).toBe(2888);
    expect(p.assumptions).toContain(
      'cap not reached in the window: assumed 30 s, the upstream v1alpha1 work-queue cap',
    );
    expect(p.assumptions).toContain('no sidecar restart (a restart resets the backoff and adds attempts)');
    expect(p.assumptions).toContain('informer resync does not add attempts');
  });

  it('raises an assumed cap that the window already exceeded to the largest interval seen', () => {
    // 100 ms doubling over 11 intervals reaches 102.4 s, above the 30 s default.
    const p = projectAttempts(backoff(100, 2, null, 11));
    expect(p.assumptions[0]).toMatch(
      /^cap not reached in the window: assumed 1\.7 min, the largest interval seen/,
    );
    expect(p.attemptsPerObjectPerDay).toBe(1 + 10 + Math.floor((86_400_000 - 102_300) / 102_400));
  });

  it('takes a caller-supplied cap and source, or no cap at all', () => {
    const crt = projectAttempts(backoff(5, 2, null, 11), {
      assumedCapMs: 1_000_000,
      assumedCapSource: 'the controller-runtime default rate limiter cap',
    });
    expect(crt.attemptsPerObjectPerDay).toBe(104);
    expect(crt.assumptions[0]).toBe(
      'cap not reached in the window: assumed 16.7 min, the controller-runtime default rate limiter cap',
    );
    // 100 ms doubling, uncapped: retries while 100·(2^n − 1) <= 86 400 000, i.e. n = 19.
    const uncapped = projectAttempts(backoff(100, 2, null, 6), { assumedCapMs: null });
    expect(uncapped.attemptsPerObjectPerDay).toBe(20);
    expect(uncapped.assumptions[0]).toMatch(/assumed no cap/);
  });

  it('projects a constant interval as one attempt per interval plus the first', () => {
    const p = projectAttempts(backoff(500, 1, null, 5));
    expect(p.attemptsPerObjectPerDay).toBe(172_801);
    expect(p.assumptions[0]).toBe('constant interval of 500 ms holds for the whole horizon');
  });

  it('honours a shorter horizon', () => {
    expect(projectAttempts(backoff(100, 2, 30_000), { horizonMs: 60_000 }).attemptsPerObjectPerDay).toBe(10);
  });

  it('stays fast for a factor barely above 1', () => {
    const started = performance.now();
    const p = projectAttempts(backoff(1, 1.0001, null, 5), { assumedCapMs: null });
    expect(p.attemptsPerObjectPerDay).toBeGreaterThan(1000);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
