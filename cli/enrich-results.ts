import type { RunResults } from '../harness/index.ts';
import { fitBackoff, projectAttempts } from '../reports/index.ts';

/**
 * Adds the fitted backoff to every result with enough intervals, and the projection to those still retrying
 * (a loop that stopped has nothing to project).
 */
export function enrichResults(results: RunResults): RunResults {
  return {
    ...results,
    scenarios: results.scenarios.map((r) => {
      const backoff = fitBackoff(r.intervalsMs);
      if (!backoff) return r;
      return r.stillRetryingAtEnd
        ? { ...r, backoff, projection: projectAttempts(backoff) }
        : { ...r, backoff };
    }),
  };
}
