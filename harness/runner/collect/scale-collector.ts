import { readFile } from 'node:fs/promises';
import type { DriverCall } from '../../driver/driver-admin-client.ts';
import type { JournalTail } from '../../driver/journal-tail.ts';
import type { Era, Rpc } from '../../results/run-results.ts';
import type { ScaleResult, ScaleWitness } from '../../results/scale-results.ts';
import { SCENARIO_PARAMETER } from '../../scenarios/scenario-loader.ts';
import { countReconcileLines, type KlogClock, logRecords } from '../../witnesses/sidecar-log-witness.ts';
import { classifyAttempts, type OutcomeResult } from '../decide/outcome.ts';
import { attemptsFor, type Slot } from '../scenario-slot.ts';
import { type FleetBucket, type FleetClaim, fleetTimesOf, listFleet } from '../start/claim-fleet.ts';
import { attributeCalls, claimUidOf } from './claim-attribution.ts';
import { groupMemberUsage, harnessUsage } from './process-usage.ts';

// A sidecar line written just before the window closed may belong to a call just after it.
const IN_FLIGHT_MS = 2_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function median(sorted: number[]): number {
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Per-claim count of the sidecar's per-attempt line (the first one sidecar-log-witness knows for the era and RPC)
 * against the driver's calls of that claim. The log is split by the claim UID each line carries, so N claims cost
 * one pass over it.
 */
export function sidecarLogPerClaim(args: {
  log: string;
  era: Era;
  rpc: Rpc;
  endMs: number;
  claims: readonly FleetClaim[];
  byClaim: Map<string, DriverCall[]>;
  buckets: readonly FleetBucket[];
  /** How to read klog times; defaults to this year and this process's zone (a local sidecar's). */
  clock?: KlogClock;
}): ScaleWitness | undefined {
  const uids = new Set(args.claims.map((c) => c.uid));
  const linesOf = new Map<string, string[]>();
  for (const r of logRecords(args.log, args.clock)) {
    if (r.timeMs !== undefined && r.timeMs > args.endMs) continue;
    for (const uid of r.text.match(UUID) ?? []) {
      if (!uids.has(uid)) continue;
      const lines = linesOf.get(uid) ?? [];
      lines.push(r.text);
      linesOf.set(uid, lines);
      break;
    }
  }
  const bucketOf = new Map(args.buckets.flatMap((b) => (b.claim?.uid ? [[b.claim.uid, b.name]] : [])));
  let measure: string | undefined;
  const out = { witnessed: 0, claimsAgree: 0, claimsInFlight: 0, claimsDisagree: 0 };
  for (const claim of args.claims) {
    const calls = args.byClaim.get(claim.name) ?? [];
    const bucket =
      calls.find((c) => claimUidOf(c.bucketName) === claim.uid)?.bucketName ?? bucketOf.get(claim.uid);
    const lines = linesOf.get(claim.uid) ?? [];
    const counted = bucket
      ? countReconcileLines(lines.join('\n'), args.era, args.rpc, bucket, args.clock)[0]
      : undefined;
    if (counted === undefined && bucket !== undefined) return undefined; // no per-attempt line for this era/RPC
    measure ??= counted?.measure;
    const seen = counted?.count ?? 0;
    const expected =
      counted?.expects === 'failed-attempts' ? calls.filter((c) => c.code !== 'OK').length : calls.length;
    out.witnessed += seen;
    // In flight at the window's end: a reconcile line is written before its call (one line more, the line near
    // the end), an error line after it (one call more, the call near the end).
    const lineFirst = counted?.expects !== 'failed-attempts';
    const lastLine = Math.max(0, ...(counted?.times ?? []));
    const lastCall = Math.max(0, ...calls.map((c) => Date.parse(c.wallTime)));
    const inFlight = lineFirst
      ? seen === expected + 1 && args.endMs - lastLine <= IN_FLIGHT_MS
      : expected === seen + 1 && args.endMs - lastCall <= IN_FLIGHT_MS;
    if (seen === expected) out.claimsAgree++;
    else if (inFlight) out.claimsInFlight++;
    else out.claimsDisagree++;
  }
  return measure ? { witness: 'sidecar-log', measure, ...out } : undefined;
}

/** What a scale scenario x variant measured, read at the window's end (harness/results/scale-results.ts). */
export async function scaleResultFor(args: {
  slot: Slot;
  tail: JournalTail | undefined;
  observedMs: number;
}): Promise<ScaleResult> {
  const { slot, observedMs } = args;
  const env = slot.env;
  const appliedAt = slot.appliedAt;
  if (!env || appliedAt === undefined) throw new Error('scale results need an applied scenario');
  const endMs = appliedAt + observedMs;
  const s = slot.scenario;
  const inWindow = (c: DriverCall) => Date.parse(c.wallTime) <= endMs;
  const journal = (args.tail?.calls ?? []).filter(inWindow);
  // The scenario's calls, and calls of its RPC that carry no scenario at all: those could be nobody else's.
  const calls = journal.filter(
    (c) =>
      c.rpc === s.rpc &&
      (c.parameters[SCENARIO_PARAMETER] === s.name || c.parameters[SCENARIO_PARAMETER] === undefined),
  );
  const { claims, buckets } = await listFleet(env, s, slot.variant.name);
  const attribution = attributeCalls(calls, claims, buckets, journal);
  const perClaim = [...attribution.byClaim.values()].map((c) => c.length).sort((a, b) => a - b);
  const attributed = perClaim.reduce((a, b) => a + b, 0);
  const handle = env.member(slot.variant.name);
  const log = handle.sidecarLogFile
    ? await readFile(handle.sidecarLogFile, 'utf8').catch(() => undefined)
    : undefined;
  const witness =
    log === undefined
      ? undefined
      : sidecarLogPerClaim({
          log,
          era: slot.variant.era,
          rpc: s.rpc,
          endMs,
          claims,
          byClaim: attribution.byClaim,
          buckets,
        });
  const claimOutcomes = { terminal: 0, bounded: 0, unbounded: 0 };
  for (const own of attribution.byClaim.values()) {
    if (own.length === 0) continue;
    const o = classifyAttempts({ attempts: attemptsFor(own, s, appliedAt), observedMs, sidecarRestarts: 0 });
    if (o.outcome === 'terminal' || o.outcome === 'bounded' || o.outcome === 'unbounded')
      claimOutcomes[o.outcome]++;
  }
  // Each claim counts from when it existed: with N in the thousands the apply alone takes minutes.
  const times = fleetTimesOf(env, s, slot.variant.name);
  const createdAt = (c: FleetClaim) => times?.createdAt.get(c.name) ?? Date.parse(c.createdAt ?? '');
  const claimMinutes = claims.reduce((sum, c) => {
    const from = createdAt(c);
    return Number.isFinite(from) ? sum + Math.max(0, endMs - from) / 60_000 : sum;
  }, 0);
  const created = claims.map(createdAt).filter(Number.isFinite);
  const callsFrom = times?.startedAt ?? appliedAt;
  const harness = harnessUsage();
  const pid = handle.driver.process?.pid;
  const driver = pid === undefined ? undefined : groupMemberUsage(pid, 'node');
  const requested = s.scale?.claims ?? claims.length;
  return {
    claims: requested,
    claimsCreated: claims.length,
    claimsNeverCalled: requested - perClaim.filter((n) => n > 0).length,
    applyMs: times
      ? times.endedAt - times.startedAt
      : created.length
        ? Math.max(...created) - Math.min(...created)
        : 0,
    attempts: calls.length,
    attributed,
    lost: attribution.lost.length + attribution.journalGaps,
    misattributed: attribution.misattributed.length,
    attemptsPerClaim: {
      // Claims never created count as never called.
      min: claims.length < requested ? 0 : (perClaim[0] ?? 0),
      median: median([...Array(requested - perClaim.length).fill(0), ...perClaim]),
      max: perClaim.at(-1) ?? 0,
    },
    claimOutcomes,
    attemptsPerClaimPerMinute: claimMinutes > 0 ? attributed / claimMinutes : 0,
    // From the first claim sent to the window's end: v1alpha2 makes all its calls while the claims are created.
    driverCallsPerSecond:
      endMs > callsFrom
        ? journal.filter((c) => Date.parse(c.wallTime) >= callsFrom).length / ((endMs - callsFrom) / 1000)
        : 0,
    ...(witness ? { witness } : {}),
    resources: {
      harnessRssBytes: harness.rssBytes,
      harnessPeakRssBytes: harness.peakRssBytes,
      harnessCpuSeconds: harness.cpuSeconds,
      ...(driver
        ? {
            driverRssBytes: driver.rssBytes,
            driverPeakRssBytes: driver.peakRssBytes,
            driverCpuSeconds: driver.cpuSeconds,
          }
        : {}),
    },
  };
}

/** The most persistent outcome among the claims: one claim still retrying makes the scenario unbounded. */
export function fleetOutcome(scale: ScaleResult, intervalsMs: number[]): OutcomeResult {
  const c = scale.claimOutcomes;
  const outcome =
    c.unbounded > 0 ? 'unbounded' : c.bounded > 0 ? 'bounded' : c.terminal > 0 ? 'terminal' : 'never-called';
  return { outcome, stillRetryingAtEnd: c.unbounded > 0, intervalsMs };
}

/** A scale result's own failures: a call lost or attributed to the wrong claim makes every count doubtful. */
export function scaleProblems(scale: ScaleResult, witnessesMustAgree: boolean): string[] {
  const problems: string[] = [];
  if (scale.lost > 0) problems.push(`${scale.lost} driver call(s) attributed to no claim`);
  if (scale.misattributed > 0)
    problems.push(
      `${scale.misattributed} driver call(s) whose bucket name and Bucket object name different claims`,
    );
  if (witnessesMustAgree && scale.witness && scale.witness.claimsDisagree > 0)
    problems.push(
      `the sidecar's log (${scale.witness.measure}) disagrees with the driver on ${scale.witness.claimsDisagree} claim(s)`,
    );
  return problems;
}
