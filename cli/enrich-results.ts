import type { RunResults } from '../harness/index.ts';
import { fitBackoff, projectAttempts } from '../reports/index.ts';

/**
 * Adds the fitted backoff to every result with enough intervals, and the projection to those still retrying
 * (a loop that stopped has nothing to project), with the sidecar's log bytes per object per day.
 */
export function enrichResults(results: RunResults): RunResults {
  return {
    ...results,
    scenarios: results.scenarios.map((r) => {
      const backoff = fitBackoff(r.intervalsMs);
      if (!backoff) return r;
      // A projection from the first seconds of a loop (an early decision) would extrapolate a curve that has not
      // reached its cap yet: only the full window (--full) is projected.
      if (!r.stillRetryingAtEnd || r.decision?.early) return { ...r, backoff };
      const projection = projectAttempts(backoff);
      // The sidecar's log grows with every attempt: its cost per object per day beside the attempts'.
      const volume = r.witnesses?.logVolume;
      const witnesses =
        r.witnesses && volume
          ? {
              ...r.witnesses,
              logVolume: {
                ...volume,
                bytesPerObjectPerDay: Math.round(volume.bytesPerAttempt * projection.attemptsPerObjectPerDay),
              },
            }
          : r.witnesses;
      return { ...r, backoff, projection, ...(witnesses ? { witnesses } : {}) };
    }),
  };
}
