import type { Attempt, Outcome } from '../../results/run-results.ts';

export interface OutcomeInput {
  attempts: Attempt[];
  /** Milliseconds from objects applied to the end of observation. */
  observedMs: number;
  sidecarRestarts: number;
  /** The outcome decider saw the sidecar quiet for longer than its era's retry sources would wait. */
  stopped?: boolean;
}

export interface OutcomeResult {
  outcome: Exclude<Outcome, 'unavailable'>;
  stillRetryingAtEnd: boolean;
  intervalsMs: number[];
}

// The v1alpha1 work queue caps its backoff at 30 s and resyncs every 30 s; a sidecar that has not called
// again within twice its last interval (and at least 30 s) has stopped.
const MIN_QUIET_MS = 30_000;

/** Classifies the attempts of one scenario x variant from the driver journal alone. */
export function classifyAttempts(input: OutcomeInput): OutcomeResult {
  const { attempts } = input;
  const intervalsMs = attempts.slice(1).map((a, i) => a.offsetMs - (attempts[i] as Attempt).offsetMs);
  if (input.sidecarRestarts > 0) return { outcome: 'crashed', stillRetryingAtEnd: false, intervalsMs };
  const last = attempts.at(-1);
  if (!last) return { outcome: 'never-called', stillRetryingAtEnd: false, intervalsMs };
  const quietMs = input.observedMs - last.offsetMs;
  const lastInterval = intervalsMs.at(-1) ?? 0;
  const stillRetryingAtEnd =
    !input.stopped &&
    last.code !== 'OK' &&
    attempts.length > 1 &&
    quietMs < Math.max(2 * lastInterval, MIN_QUIET_MS);
  if (stillRetryingAtEnd) return { outcome: 'unbounded', stillRetryingAtEnd, intervalsMs };
  return { outcome: attempts.length === 1 ? 'terminal' : 'bounded', stillRetryingAtEnd: false, intervalsMs };
}
