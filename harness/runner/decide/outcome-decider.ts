import type { Attempt, Era } from '../../results/run-results.ts';
import type { Expectation } from '../../scenarios/scenario-types.ts';

/** How a sidecar era schedules its retries, from upstream's code (../shared/UPSTREAM-FACTS.md). */
export interface EraRetrySchedule {
  /** First retry after a failure, ms; the per-item limiter doubles it per failure. */
  baseMs: number;
  capMs: number;
  /**
   * Quiet time after which no requeue source of the era can still fire on its own: v1alpha1 sidecars resync every
   * object every 30 s (a resync can re-run the handler); v1alpha2 managers resync after 10 h, but the floor also
   * covers a delayed requeue (RequeueAfter) nobody declared, unless the sidecar's own metrics rule it out.
   */
  quietFloorMs: number;
  /** The floor when the sidecar's own records confirm the reconcile ended for good (see OutcomeWitness). */
  confirmedQuietFloorMs: number;
}

export const ERA_SCHEDULES: Record<Era, EraRetrySchedule> = {
  v1alpha1: { baseMs: 100, capMs: 1_000_000, quietFloorMs: 35_000, confirmedQuietFloorMs: 35_000 },
  v1alpha2: { baseMs: 5, capMs: 1_000_000, quietFloorMs: 25_000, confirmedQuietFloorMs: 2_000 },
};

/** Quiet after the trigger, with no call at all, before "never called" may be decided early. */
export const NEVER_CALLED_QUIET_MS = 45_000;
/** How many times the limiter's next delay a sidecar must stay quiet before it counts as stopped. */
export const QUIET_MARGIN = 4;
/** Fewest attempts, beyond any declared budget, before "still retrying" may be decided. */
export const MIN_RETRYING_ATTEMPTS = 6;
/** Attempts beyond the largest declared budget before "still retrying" may be decided. */
export const BUDGET_MARGIN = 2;

export interface DeciderRules {
  era: Era;
  windowMs: number;
  /** Largest attempt budget (exactly / at most N) any bounded expectation in the run declares. */
  largestBudget: number;
  /** Wait out every window: no early decisions (the long measurement the fitted backoff needs). */
  full: boolean;
}

/** The sidecar's own word that a reconcile ended for good (v1alpha2 metrics), or undefined. */
export interface OutcomeWitness {
  terminalConfirmed?: string;
}

export type OutcomeBasis = 'window' | 'budget' | 'retrying' | 'quiet';

export type OutcomeDecision =
  | { decided: false; waitingFor: string }
  | {
      decided: true;
      /** Before the window closed. */
      early: boolean;
      /** Milliseconds after the trigger at which the decision holds. */
      atMs: number;
      basis: OutcomeBasis;
      evidence: string;
    };

/** Delay the era's per-item limiter puts before the retry that follows `failures` failures. */
export function limiterDelayMs(era: Era, failures: number): number {
  const s = ERA_SCHEDULES[era];
  return Math.min(s.capMs, s.baseMs * 2 ** Math.max(0, failures - 1));
}

/** The attempt budget of an expectation (exactly N / at most N), if it has one. */
export function budgetOf(e: Expectation): number | undefined {
  return e.attempts ?? e.maxAttempts;
}

/** The most attempts an expectation declares by any measure: what a retrying loop must go beyond. */
export function declaredAttempts(e: Expectation): number {
  return Math.max(budgetOf(e) ?? 0, e.attemptsUntilOk ?? 0);
}

/**
 * Decides, from the journal alone (plus an optional witness), whether what the sidecar does with this scenario is
 * settled `elapsedMs` after its trigger, so the run need not wait out the window:
 * - budget: more attempts than the expectation allows, the verdict cannot change;
 * - retrying: attempts beyond every declared budget (+ margin), still following a backoff that does not shrink, and
 *   the last one within twice the last interval: the sidecar is retrying with no bound in sight;
 * - quiet: no call for longer than the era's limiter would wait (x margin) and than any other requeue source of the
 *   era (its floor): the sidecar has stopped (terminal, bounded, exactly N, or never called).
 * Otherwise undecided until the window closes. The evidence says which margin was used, since a sidecar that
 * stops after more attempts than the margin, or retries later than the floor, would be misjudged (--full).
 */
export function decideOutcome(
  rules: DeciderRules,
  expect: Expectation,
  attempts: readonly Attempt[],
  elapsedMs: number,
  witness: OutcomeWitness = {},
): OutcomeDecision {
  const n = attempts.length;
  if (elapsedMs >= rules.windowMs)
    return {
      decided: true,
      early: false,
      atMs: rules.windowMs,
      basis: 'window',
      evidence: 'the window closed',
    };
  const budget = budgetOf(expect);
  if (budget !== undefined && n > budget)
    return {
      decided: true,
      early: true,
      atMs: elapsedMs,
      basis: 'budget',
      evidence: `${n} attempts already exceed the expected ${budget}`,
    };
  if (rules.full) return { decided: false, waitingFor: 'the full window (--full)' };

  const last = attempts.at(-1);
  const intervals = attempts.slice(1).map((a, i) => a.offsetMs - (attempts[i] as Attempt).offsetMs);
  const lastInterval = intervals.at(-1) ?? 0;
  const quietMs = elapsedMs - (last?.offsetMs ?? 0);

  const retryingNeeds = Math.max(
    MIN_RETRYING_ATTEMPTS,
    rules.largestBudget + BUDGET_MARGIN,
    expect.minAttempts ?? 0,
  );
  const allFailed = attempts.every((a) => a.code !== 'OK');
  // A limiter only lengthens its waits; a shrinking interval means something else (a restart, a resync) is calling.
  const backingOff = intervals.every((d, i) => i === 0 || d >= 0.5 * (intervals[i - 1] as number));
  if (n >= retryingNeeds && allFailed && backingOff && quietMs <= 2 * lastInterval) {
    return {
      decided: true,
      early: true,
      atMs: elapsedMs,
      basis: 'retrying',
      evidence:
        `${n} failed attempts (needed ${retryingNeeds}: ${BUDGET_MARGIN} beyond the largest declared budget ` +
        `${rules.largestBudget}, at least ${MIN_RETRYING_ATTEMPTS}), intervals growing ` +
        `${fmt(intervals[0] ?? 0)} -> ${fmt(lastInterval)}, the last ${fmt(quietMs)} ago; ` +
        'a sidecar that stopped later than that would be misjudged (--full waits the window out)',
    };
  }

  const s = ERA_SCHEDULES[rules.era];
  const failures = last && last.code !== 'OK' ? n : 0;
  const limiterWait = failures ? QUIET_MARGIN * limiterDelayMs(rules.era, failures) : 0;
  // No call at all is weaker evidence than calls that stopped: the first call waits on the controller and on the
  // sidecar's first reconcile, which on a loaded CI machine (the matrix beside other e2e runs, 2 cores) came later
  // than v1alpha2's 25 s floor, and a create cell read "never called".
  const floor = Math.max(
    witness.terminalConfirmed ? s.confirmedQuietFloorMs : s.quietFloorMs,
    n === 0 ? NEVER_CALLED_QUIET_MS : 0,
  );
  // A bounded retry declares its next wait (1m, 2m, 5m at time scale 1): quiet for less than that wait and its
  // tolerance says nothing; a call after it would fail the interval check anyway, so the decision cannot change.
  const declared = expect.retryIntervals;
  const nextWait = n >= 1 ? declared?.expectedMs[n - 1] : undefined;
  const boundedWait =
    declared && nextWait !== undefined
      ? nextWait + Math.max(nextWait * declared.toleranceRatio, declared.toleranceMs)
      : 0;
  const neededQuiet = Math.max(limiterWait, floor, 2 * lastInterval, boundedWait);
  if (quietMs >= neededQuiet) {
    const what = n === 0 ? 'no call' : `${n} attempt(s), the last ${last?.code}`;
    return {
      decided: true,
      early: true,
      atMs: elapsedMs,
      basis: 'quiet',
      evidence:
        `${what}, then quiet for ${fmt(quietMs)} (needed ${fmt(neededQuiet)}: ` +
        (2 * lastInterval > Math.max(limiterWait, floor, boundedWait)
          ? `twice the last interval of ${fmt(lastInterval)}`
          : boundedWait >= Math.max(limiterWait, floor)
            ? `the declared retry interval ${n} of ${fmt(nextWait ?? 0)} and its tolerance`
            : limiterWait >= floor
              ? `${QUIET_MARGIN}x the ${rules.era} limiter's next wait of ${fmt(limiterDelayMs(rules.era, failures))}`
              : witness.terminalConfirmed
                ? `the sidecar's own records: ${witness.terminalConfirmed}`
                : `the ${rules.era} floor, longer than any other requeue source of the era`) +
        ')',
    };
  }
  return {
    decided: false,
    waitingFor:
      n >= 2 && allFailed
        ? `${retryingNeeds} attempts or ${fmt(neededQuiet)} of quiet`
        : `${fmt(neededQuiet)} of quiet`,
  };
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}
