import type { BackoffFit, Projection } from '../harness/results/run-results.ts';
import { formatMs } from './format-units.ts';
import { fittedIntervalMs } from './retry-fit.ts';

/**
 * The v1alpha1 controller's per-item limiter: workqueue.NewItemExponentialFailureRateLimiter(100ms, 30s) in
 * container-object-storage-interface-api controller/controller.go (NewDefaultObjectStorageController).
 */
export const UPSTREAM_V1ALPHA1_CAP_MS = 30_000;

/** How far to project and what to assume where the window could not tell. */
export interface ProjectionOptions {
  /** Projection horizon; default one day. */
  horizonMs?: number;
  /** Cap to assume when the fit has none; default UPSTREAM_V1ALPHA1_CAP_MS; null assumes growth without a cap. */
  assumedCapMs?: number | null;
  /** Why that cap is plausible, quoted in the assumptions; default names the upstream v1alpha1 work queue. */
  assumedCapSource?: string;
}

const DAY_MS = 86_400_000;

/**
 * Attempts one failing object makes in the horizon if the fitted backoff holds, counting the first attempt
 * at t=0, and the same for 1,000 objects. Valid only for a loop still retrying (outcome 'unbounded'): a
 * terminal or bounded result is not projected. The assumptions are returned as sentences for the reports.
 */
export function projectAttempts(fit: BackoffFit, options: ProjectionOptions = {}): Projection {
  const horizonMs = options.horizonMs ?? DAY_MS;
  const assumptions: string[] = [];

  let capMs: number | null = fit.capMs;
  if (capMs !== null) {
    assumptions.push(`cap ${formatMs(capMs)} reached in the window and holds for the whole horizon`);
  } else if (fit.factor > 1) {
    const assumed = options.assumedCapMs === undefined ? UPSTREAM_V1ALPHA1_CAP_MS : options.assumedCapMs;
    // The last fitted interval already exceeds an assumed cap that is too small: the real cap is at least that.
    const lastSeen = fittedIntervalMs(fit, fit.points - 1);
    if (assumed === null) {
      assumptions.push('cap not reached in the window: assumed no cap (intervals keep growing)');
    } else {
      capMs = Math.max(assumed, lastSeen);
      const source = options.assumedCapSource ?? 'the upstream v1alpha1 work-queue cap';
      assumptions.push(
        capMs === assumed
          ? `cap not reached in the window: assumed ${formatMs(capMs)}, ${source}`
          : `cap not reached in the window: assumed ${formatMs(capMs)}, the largest interval seen (above ${formatMs(assumed)}, ${source})`,
      );
    }
  } else {
    assumptions.push(`constant interval of ${formatMs(fit.baseMs)} holds for the whole horizon`);
  }
  assumptions.push(
    'the error persists for the whole horizon',
    'no sidecar restart (a restart resets the backoff and adds attempts)',
    'informer resync does not add attempts',
    'each object backs off independently (per-item limiter, no shared rate limit)',
  );

  const perObject = attemptsWithin(fit, capMs, horizonMs);
  return {
    attemptsPerObjectPerDay: perObject,
    attemptsPerDayPer1000Objects: perObject * 1000,
    assumptions,
  };
}

// Closed form so a factor barely above 1 cannot make this loop for millions of steps. EPS absorbs float error
// at exact boundaries (100 ms doubling reaches 25.6 s after exactly 51.1 s).
const EPS = 1e-9;
function attemptsWithin(fit: BackoffFit, capMs: number | null, horizonMs: number): number {
  const base = fit.baseMs;
  const f = fit.factor;
  if (f <= 1) return 1 + Math.floor(horizonMs / base + EPS);
  const logF = Math.log(f);
  // Retries that fit in `span` while intervals still grow: largest n with base·(f^n − 1)/(f − 1) <= span.
  const growingRetries = (span: number) => Math.floor(Math.log(1 + (span * (f - 1)) / base) / logF + EPS);
  if (capMs === null || base >= capMs) {
    return capMs === null ? 1 + growingRetries(horizonMs) : 1 + Math.floor(horizonMs / capMs + EPS);
  }
  // First k whose interval reaches the cap; intervals 0..k-1 grow, the rest equal the cap.
  const k = Math.ceil(Math.log(capMs / base) / logF - EPS);
  const growingSpan = (base * (f ** k - 1)) / (f - 1);
  if (growingSpan > horizonMs) return 1 + growingRetries(horizonMs);
  return 1 + k + Math.floor((horizonMs - growingSpan) / capMs + EPS);
}
