import { availableParallelism } from 'node:os';

/** The environment variable that sets how many `go build`s run at once (`build --jobs` sets it too). */
export const BUILD_JOBS_ENV = 'COSI_CHAOS_BUILD_JOBS';

/**
 * How many go builds run at once: $COSI_CHAOS_BUILD_JOBS, else 2 (at most the CPUs). One go build keeps the cores
 * busy while it compiles, but not while it downloads modules, links, or waits on the last package of a deep graph:
 * a second build fills those gaps.
 */
export function buildJobs(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env[BUILD_JOBS_ENV]);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * Runs build jobs with at most `limit` in flight, in the order they were submitted: callers submit everything a run
 * needs at once, most needed first, then await each result where they need it.
 */
export class BuildPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number = buildJobs()) {}

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        job()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.waiting.shift()?.();
          });
      };
      if (this.running < this.limit) start();
      else this.waiting.push(start);
    });
    // A caller may stop at an earlier failure and never await this one: its rejection is not unhandled.
    result.catch(() => {});
    return result;
  }
}
