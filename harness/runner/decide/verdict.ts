import type { BucketLedger } from '../../results/bucket-ledger-results.ts';
import type {
  Attempt,
  EventSummary,
  ObjectStatus,
  RefusedEvent,
  Verdict,
} from '../../results/run-results.ts';
import type { WitnessTable } from '../../results/witness-results.ts';
import { parseDuration } from '../../scenarios/duration.ts';
import type { Expectation } from '../../scenarios/scenario-types.ts';
import type { OutcomeResult } from './outcome.ts';
import { describeRetryIntervals, retryIntervalProblems } from './retry-intervals.ts';

export interface VerdictInput {
  expect: Expectation;
  outcome: OutcomeResult;
  attempts: Attempt[];
  events: EventSummary[];
  /** Events the sidecar's log says were refused (empty where the log cannot be read). */
  eventsRefused?: RefusedEvent[];
  /** Why no refused Event of this scenario could have been logged yet (refusedEventBacklog), if so. */
  eventBacklog?: string;
  objects: ObjectStatus[];
  /** The driver's count checked against the system's own records, where they were read. */
  witnesses?: WitnessTable;
  /** Duplicates and orphans, counted when the run ends: checked only when given (never during early decisions). */
  buckets?: BucketLedger;
}

/** Human-readable summary of an expectation, for reports. */
export function describeExpectation(e: Expectation): string {
  const parts: string[] = [e.outcome];
  if (e.attempts !== undefined) parts.push(`exactly ${e.attempts} attempt(s)`);
  if (e.attemptsUntilOk !== undefined)
    parts.push(`the first OK at attempt ${e.attemptsUntilOk}, no failure after it`);
  if (e.minAttempts !== undefined)
    parts.push(`>= ${e.minAttempts} attempts${e.within ? ` within ${e.within}` : ''}`);
  if (e.maxAttempts !== undefined) parts.push(`<= ${e.maxAttempts} attempts`);
  if (e.stillRetrying !== undefined)
    parts.push(e.stillRetrying ? 'still retrying at the end' : 'stopped by the end');
  if (e.minBucketNameLength !== undefined) parts.push(`bucket name >= ${e.minBucketNameLength} chars`);
  if (e.events?.length) parts.push(`Events ${e.events.join(', ')}`);
  if (e.eventsRefused?.length) parts.push(`Events ${e.eventsRefused.join(', ')} refused`);
  if (e.statusError) parts.push('status.error set');
  if (e.statusErrorContains) parts.push(`status.error contains "${e.statusErrorContains}"`);
  if (e.witnessesAgree) parts.push('witnesses agree with the driver');
  if (e.duplicates !== undefined) parts.push(`${e.duplicates} duplicate bucket(s)`);
  if (e.orphans !== undefined) parts.push(`${e.orphans} orphan bucket(s)`);
  if (e.createCallsPerClaim) parts.push(`<= ${e.createCallsPerClaim.max} create call(s) per claim`);
  if (e.calls)
    parts.push(
      `calls ${Object.entries(e.calls)
        .map(([rpc, n]) => `${rpc} ${n}`)
        .join(', ')}`,
    );
  if (e.backendBucket) parts.push(`bucket in the S3 server: ${e.backendBucket}`);
  if (e.retryIntervals) parts.push(describeRetryIntervals(e.retryIntervals));
  return parts.join('; ');
}

/** Every way the measurement differs from the expectation; empty means pass. */
export function checkExpectation(input: VerdictInput): string[] {
  const { expect: e, outcome, attempts } = input;
  const problems: string[] = [];
  if (outcome.outcome !== e.outcome) problems.push(`outcome ${outcome.outcome}, expected ${e.outcome}`);
  if (e.attempts !== undefined && attempts.length !== e.attempts) {
    problems.push(`${attempts.length} attempts, expected exactly ${e.attempts}`);
  }
  if (e.attemptsUntilOk !== undefined) problems.push(...untilOkProblems(attempts, e.attemptsUntilOk));
  if (e.minAttempts !== undefined) {
    const withinMs = e.within ? (parseDuration(e.within) as number) : Number.POSITIVE_INFINITY;
    const n = attempts.filter((a) => a.offsetMs <= withinMs).length;
    if (n < e.minAttempts)
      problems.push(
        `${n} attempts${e.within ? ` within ${e.within}` : ''}, expected at least ${e.minAttempts}`,
      );
  }
  if (e.maxAttempts !== undefined && attempts.length > e.maxAttempts) {
    problems.push(`${attempts.length} attempts, expected at most ${e.maxAttempts}`);
  }
  if (e.stillRetrying !== undefined && outcome.stillRetryingAtEnd !== e.stillRetrying) {
    problems.push(e.stillRetrying ? 'had stopped retrying by the end' : 'was still retrying at the end');
  }
  if (e.minBucketNameLength !== undefined) {
    const longest = Math.max(0, ...attempts.map((a) => a.bucketName?.length ?? 0));
    if (longest < e.minBucketNameLength) {
      problems.push(
        `longest bucket name in the journal is ${longest} characters, expected >= ${e.minBucketNameLength}`,
      );
    }
  }
  // Only Events that reached the API count; a refused one is named, so the reason is in the report.
  for (const reason of e.events ?? []) {
    if (input.events.some((ev) => ev.reason === reason)) continue;
    const refused = (input.eventsRefused ?? []).filter((ev) => ev.reason === reason);
    problems.push(
      refused.length
        ? `no ${reason} Event reached the API (the sidecar's log shows it refused: ${refused[0]?.refusal})`
        : `no ${reason} Event`,
    );
  }
  // A backlogged broadcaster leaves them unchecked (uncheckedExpectations), not failed.
  if (!input.eventBacklog)
    for (const reason of missingRefusedEvents(input))
      problems.push(`the sidecar's log shows no refused ${reason} Event`);
  if (e.statusError || e.statusErrorContains) {
    const bucket = input.objects.find((o) => o.kind === 'Bucket');
    const error = bucket?.status.error as { message?: unknown } | undefined;
    if (!error) problems.push('Bucket status.error is not set');
    else if (e.statusErrorContains && !String(error.message ?? '').includes(e.statusErrorContains))
      problems.push(
        `Bucket status.error is "${String(error.message)}", expected it to contain "${e.statusErrorContains}"`,
      );
  }
  // Agreement, or a disagreement with a measured cause (an Event refused, an attempt in flight): never unexplained.
  if (e.witnessesAgree) {
    const w = input.witnesses;
    if (!w) problems.push('no witness could be read');
    else if (w.verdict === 'disagree' || w.verdict === 'not-measured')
      problems.push(`witnesses: ${w.verdict}: ${w.verdictReason}`);
  }
  if (e.retryIntervals) problems.push(...retryIntervalProblems(attempts, e.retryIntervals));
  problems.push(...bucketProblems(e, input.buckets));
  return problems;
}

// Duplicates, orphans and create calls per claim (harness/runner/collect/bucket-ledger.ts).
function bucketProblems(e: Expectation, b: BucketLedger | undefined): string[] {
  if (!b) return [];
  const problems: string[] = [];
  if (e.duplicates !== undefined && b.duplicates !== e.duplicates)
    problems.push(`${b.duplicates} duplicate bucket(s), expected ${e.duplicates}`);
  if (e.orphans !== undefined) {
    if (b.orphans === undefined)
      problems.push(`orphans not counted: ${b.claims - b.claimsDeleted} claim(s) still exist`);
    else if (b.orphans !== e.orphans) problems.push(`${b.orphans} orphan bucket(s), expected ${e.orphans}`);
  }
  if (e.createCallsPerClaim && b.createCallsPerClaimMax > e.createCallsPerClaim.max)
    problems.push(
      `${b.createCallsPerClaimMax} DriverCreateBucket calls for one claim, expected at most ${e.createCallsPerClaim.max}`,
    );
  return problems;
}

function untilOkProblems(attempts: readonly Attempt[], n: number): string[] {
  const firstOk = attempts.findIndex((a) => a.code === 'OK');
  if (firstOk < 0)
    return [`no attempt answered OK in ${attempts.length}, expected the first OK at attempt ${n}`];
  const problems =
    firstOk + 1 === n ? [] : [`the first OK at attempt ${firstOk + 1}, expected at attempt ${n}`];
  const failedAfter = attempts.slice(firstOk + 1).filter((a) => a.code !== 'OK');
  if (failedAfter.length)
    problems.push(
      `${failedAfter.length} failed attempt(s) after the first OK (${[...new Set(failedAfter.map((a) => a.code))].join(', ')})`,
    );
  return problems;
}

/** Calls after the first OK, each answered OK: the success re-sent, worth saying in the evidence. */
export function resentAfterOk(attempts: readonly Attempt[]): number {
  const firstOk = attempts.findIndex((a) => a.code === 'OK');
  return firstOk < 0 ? 0 : attempts.slice(firstOk + 1).filter((a) => a.code === 'OK').length;
}

/** Expectations the measurement could not check (said in the result, neither passed nor failed). */
export function uncheckedExpectations(input: VerdictInput): string[] {
  if (!input.eventBacklog) return [];
  return missingRefusedEvents(input).map((reason) => `refused ${reason} Event: ${input.eventBacklog}`);
}

/** The refused Events the expectation names that the sidecar's log does not show. */
function missingRefusedEvents(input: VerdictInput): string[] {
  return (input.expect.eventsRefused ?? []).filter(
    (reason) => !(input.eventsRefused ?? []).some((ev) => ev.reason === reason),
  );
}

/** Maps problems to the verdict and its reason. */
export function verdictOf(problems: string[]): { verdict: Verdict; verdictReason: string } {
  return problems.length
    ? { verdict: 'fail', verdictReason: problems.join('; ') }
    : { verdict: 'pass', verdictReason: 'every expectation held' };
}

/** True once more attempts than the expectation allows were seen: the verdict cannot change any more. */
export function budgetExceeded(e: Expectation, attemptCount: number): boolean {
  const budget = e.attempts ?? e.maxAttempts;
  return budget !== undefined && attemptCount > budget;
}

/**
 * The same check without the evidence that reaches the API only after the attempt that causes it (Events, a
 * refused Event in the sidecar's log, status.error) or that is read only for the result (the witness table): what
 * it finds wrong cannot be put right by waiting longer.
 */
export function withoutLateEvidence(input: VerdictInput): VerdictInput {
  const {
    events: _e,
    eventsRefused: _r,
    statusError: _s,
    statusErrorContains: _c,
    witnessesAgree: _w,
    ...settled
  } = input.expect;
  return { ...input, expect: settled };
}

/** The check an early decision can make: the witness table is read for the result, after the pair has settled. */
export function withoutWitnesses(input: VerdictInput): VerdictInput {
  const { witnessesAgree: _w, ...rest } = input.expect;
  return { ...input, expect: rest };
}
