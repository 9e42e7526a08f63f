import { describe, expect, it } from 'vitest';
import { fitBackoff, fittedIntervalMs } from './retry-fit.ts';

const doublingTo30s = [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000];

describe('fitBackoff', () => {
  it('fits 100 ms doubling to a 30 s cap reached once at the end of the window', () => {
    expect(fitBackoff(doublingTo30s)).toEqual({
      baseMs: 100,
      factor: 2,
      capMs: 30000,
      points: 10,
      rmsLogError: 0,
    });
  });

  it('fits the same curve when the cap holds for several intervals', () => {
    expect(fitBackoff([...doublingTo30s, 30000, 30000, 30000])).toMatchObject({
      baseMs: 100,
      factor: 2,
      capMs: 30000,
      points: 13,
    });
  });

  it('leaves the cap null while the window never reached it', () => {
    expect(fitBackoff([100, 200, 400, 800, 1600])).toEqual({
      baseMs: 100,
      factor: 2,
      capMs: null,
      points: 5,
      rmsLogError: 0,
    });
  });

  it('fits a constant interval as factor 1 without a cap', () => {
    expect(fitBackoff([500, 500, 500, 500, 500])).toEqual({
      baseMs: 500,
      factor: 1,
      capMs: null,
      points: 5,
      rmsLogError: 0,
    });
  });

  it('tolerates scheduling jitter and still finds base, factor and cap', () => {
    const fit = fitBackoff([103, 198, 411, 790, 1620, 3150, 6500, 12600, 25900, 30100, 29800]);
    expect(fit?.baseMs).toBeGreaterThan(90);
    expect(fit?.baseMs).toBeLessThan(110);
    expect(fit?.factor).toBeCloseTo(2, 1);
    expect(fit?.capMs).toBeGreaterThan(29_000);
    expect(fit?.capMs).toBeLessThan(31_000);
    expect(fit?.rmsLogError).toBeGreaterThan(0);
    expect(fit?.rmsLogError).toBeLessThan(0.05);
  });

  it('keeps the factor of a doubling whose first retry ran late (measured on a loaded CI machine)', () => {
    const fit = fitBackoff([259, 206, 406, 812, 1606]);
    expect(fit?.factor).toBeCloseTo(2, 1);
    expect(fit?.baseMs).toBeGreaterThan(95);
    expect(fit?.baseMs).toBeLessThan(110);
    expect(fit?.capMs).toBeNull();
  });

  it('does not mistake one slightly short last interval for a cap', () => {
    expect(fitBackoff([100, 200, 400, 800, 1600, 3000])?.capMs).toBeNull();
  });

  it('returns undefined for too few points', () => {
    expect(fitBackoff([])).toBeUndefined();
    expect(fitBackoff([100])).toBeUndefined();
    expect(fitBackoff([100, 200])).toBeUndefined();
    // Zero intervals (two attempts in one millisecond) carry no backoff information and do not count.
    expect(fitBackoff([100, 0, 200])).toBeUndefined();
  });

  it('exposes the fitted curve, flat at the cap', () => {
    const fit = fitBackoff(doublingTo30s);
    if (!fit) throw new Error('expected a fit');
    expect([0, 1, 8, 9, 20].map((k) => fittedIntervalMs(fit, k))).toEqual([100, 200, 25600, 30000, 30000]);
  });
});
