import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BUILD_JOBS_ENV, BuildPool, buildJobs } from './build-pool.ts';

describe('BuildPool', () => {
  it('runs at most `limit` jobs at once, started in the order they were submitted', async () => {
    const pool = new BuildPool(2);
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const jobs = [30, 5, 5, 20, 5].map((ms, i) =>
      pool.run(async () => {
        started.push(i);
        most = Math.max(most, ++inFlight);
        await sleep(ms);
        inFlight--;
        return i * 10;
      }),
    );
    expect(await Promise.all(jobs)).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('a failed job frees its place and rejects only its own promise', async () => {
    const pool = new BuildPool(1);
    const failing = pool.run(async () => {
      throw new Error('go build failed');
    });
    const next = pool.run(async () => 'built');
    await expect(failing).rejects.toThrow('go build failed');
    expect(await next).toBe('built');
  });

  it('a rejection nobody awaits (the caller stopped at an earlier failure) is not unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      new BuildPool(2).run(async () => {
        throw new Error('never awaited');
      });
      await sleep(20);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it(`takes its size from $${BUILD_JOBS_ENV}, else 2 at most`, () => {
    expect(buildJobs({ [BUILD_JOBS_ENV]: '3' })).toBe(3);
    expect(buildJobs({ [BUILD_JOBS_ENV]: 'zero' })).toBeLessThanOrEqual(2);
    expect(buildJobs({})).toBeGreaterThanOrEqual(1);
  });
});
