import { parseDuration } from '../scenarios/duration.ts';
import type { RetryIntervalsExpectation } from '../scenarios/scenario-types.ts';
import type { MatrixRpc, NonOkCode } from './grpc-codes.ts';

/**
 * A bounded retry a policy declares (`bounded:` in patches/policies/*.yaml): `codes` on `rpcs` are retried
 * `times` times, waiting `intervals[i]` before retry i+1, and then given up (`then: terminal`, no more calls).
 */
export interface BoundedRetry {
  codes: NonOkCode[];
  /** Default: every RPC. */
  rpcs?: MatrixRpc[];
  retried: { times: number; intervals: string[]; then: 'terminal' };
  /** The larger of ratio x interval and atLeast; default 20% and 250ms (DEFAULT_TOLERANCE). */
  tolerance?: { ratio?: number; atLeast?: string };
}

/** How far a measured interval may be from its declared one when the policy does not say. */
export const DEFAULT_TOLERANCE = { ratio: 0.2, atLeastMs: 250 } as const;

/** The check a bounded retry asks of a run whose sidecar divides its waits by `timeScale` (1: real time). */
export function intervalsExpectation(b: BoundedRetry, timeScale: number): RetryIntervalsExpectation {
  return {
    expectedMs: b.retried.intervals.map((d) => (parseDuration(d) as number) / timeScale),
    toleranceRatio: b.tolerance?.ratio ?? DEFAULT_TOLERANCE.ratio,
    toleranceMs:
      b.tolerance?.atLeast !== undefined
        ? (parseDuration(b.tolerance.atLeast) as number)
        : DEFAULT_TOLERANCE.atLeastMs,
    timeScale,
  };
}
