import { readFile } from 'node:fs/promises';
import { refusedEventBacklog, refusedEvents } from '../../cosi/refused-events.ts';
import { TIME_SCALE_ENV } from '../../cosi/sidecar-process.ts';
import type { JournalTail } from '../../driver/journal-tail.ts';
import type { RefusedEvent, ScenarioResult } from '../../results/run-results.ts';
import { SCENARIO_PARAMETER } from '../../scenarios/scenario-loader.ts';
import { classifyAttempts } from '../decide/outcome.ts';
import {
  checkExpectation,
  describeExpectation,
  resentAfterOk,
  uncheckedExpectations,
  verdictOf,
} from '../decide/verdict.ts';
import { attemptsFor, type Slot } from '../scenario-slot.ts';
import type { VariantHandle } from '../start/scenario-environment.ts';
import { lostTriggerProblems } from './lost-trigger.ts';
import { realDriverEvidence, realDriverProblems } from './real-driver-evidence.ts';
import { fleetOutcome, scaleProblems, scaleResultFor } from './scale-collector.ts';
import { slotLedger } from './slot-ledger.ts';
import { witnessTableFor } from './witness-collector.ts';

/** The result of one scenario x variant, from what was settled about it (or what was seen when the run stopped). */
export async function resultFor(
  slot: Slot,
  tail: JournalTail | undefined,
  windowOverride?: number,
  /** Scenario objects the slot's sidecar served in the run (its metrics count per controller). */
  objectsOnSidecar = 1,
): Promise<ScenarioResult> {
  const base = {
    scenario: slot.scenario.name,
    file: slot.scenario.file,
    description: slot.scenario.description,
    ...(slot.scenario.issue ? { issue: slot.scenario.issue } : {}),
    variant: slot.variant.name,
    era: slot.variant.era,
    rpc: slot.scenario.rpc,
    expectation: describeExpectation(slot.spec.expect),
    ...(slot.scenario.cell ? { cell: slot.scenario.cell } : {}),
    ...(slot.phases ? { phases: slot.phases.entries() } : {}),
  };
  const empty = {
    attempts: [],
    intervalsMs: [],
    windowMs: 0,
    stillRetryingAtEnd: false,
    objects: [],
    events: [],
    sidecarRestarts: 0,
  };
  if (!slot.env) {
    return {
      ...base,
      ...empty,
      outcome: 'unavailable',
      verdict: 'skipped',
      verdictReason: slot.unavailable ?? 'the run was stopped before this variant started',
    };
  }
  const rt = slot.env.member(slot.variant.name);
  const { objects, events } =
    slot.settled?.inspected ??
    (await slot.env.inspect(slot.scenario, slot.variant.name).catch(() => ({ objects: [], events: [] })));
  const { eventsRefused, eventBacklog } = await refusedEventsOf(rt, objects, slot.appliedAt);
  const context = {
    ...(eventsRefused ? { eventsRefused } : {}),
    ...(slot.env.sidecarNamespace ? { sidecarNamespace: slot.env.sidecarNamespace } : {}),
    ...(slot.variant.deviation ? { deviation: slot.variant.deviation } : {}),
    ...(slot.variant.timeScale ? { timeScale: { factor: slot.variant.timeScale, env: TIME_SCALE_ENV } } : {}),
  };
  if (slot.state !== 'observing' || slot.appliedAt === undefined) {
    const reason = slot.problem ?? 'the run was stopped before this scenario was triggered';
    const policy = slot.spec.declared
      ? { declared: policyClass(slot.spec.declared), conforms: false, evidence: reason }
      : undefined;
    return {
      ...base,
      ...empty,
      objects,
      events,
      ...context,
      sidecarRestarts: rt.restarts,
      outcome: 'never-called',
      verdict: 'fail',
      verdictReason: reason,
      ...(policy ? { policy } : {}),
    };
  }
  const appliedAt = slot.appliedAt;
  const settled = slot.settled;
  const observedMs =
    settled?.observedMs ?? Math.min(Date.now() - appliedAt, windowOverride ?? slot.scenario.windowMs);
  const calls = tail?.calls ?? [];
  const attempts =
    settled?.attempts ??
    attemptsFor(tail?.group(slot.scenario.name) ?? [], slot.scenario, appliedAt).filter(
      (a) => a.offsetMs <= observedMs,
    );
  const restarts = rt.restartTimes.filter((t) => t >= appliedAt && t <= appliedAt + observedMs);
  // A restart is this scenario's crash when the sidecar's last driver call before it was this scenario's RPC;
  // other scenarios of the variant only record that the sidecar restarted under them.
  const caused = restarts.filter((t) => {
    const last = calls.filter((c) => c.rpc !== 'getInfo' && Date.parse(c.wallTime) <= t).at(-1);
    return last?.rpc === slot.scenario.rpc && last.parameters[SCENARIO_PARAMETER] === slot.scenario.name;
  }).length;
  const restartsInWindow = restarts.length;
  const decision = slot.settled?.decision;
  // Scale scenarios: every call attributed to its claim, with memory and CPU (harness/runner/collect/scale-collector.ts).
  let scaleError: string | undefined;
  const scale = slot.scenario.scale
    ? await scaleResultFor({ slot, tail, observedMs }).catch((e: unknown) => {
        scaleError = `scale results could not be read: ${(e as Error).message}`;
        return undefined;
      })
    : undefined;
  const series = classifyAttempts({
    attempts,
    observedMs,
    sidecarRestarts: caused,
    stopped: decision?.basis === 'quiet',
  });
  // N claims' attempts are no one retry series: a scale scenario's outcome is its claims' most persistent one.
  const outcome = scale && series.outcome !== 'crashed' ? fleetOutcome(scale, series.intervalsMs) : series;
  const witnesses = await witnessTableFor({
    slot,
    attempts,
    observedMs,
    stoppedAfterError: outcome.outcome === 'terminal' && attempts.at(-1)?.code !== 'OK',
    objects,
    events,
    eventsRefused,
    objectsOnSidecar,
  }).catch(() => undefined);
  const group = tail?.group(slot.scenario.name) ?? [];
  const ledger = await slotLedger(slot, group);
  const realDriver = rt.realDriver
    ? await realDriverEvidence(slot.scenario, rt.realDriver, group, appliedAt).catch(() => undefined)
    : undefined;
  const verdictInput = {
    expect: slot.spec.expect,
    outcome,
    attempts,
    events,
    eventsRefused: eventsRefused ?? [],
    ...(eventBacklog ? { eventBacklog } : {}),
    objects,
    witnesses,
    buckets: ledger.buckets,
  };
  const problems = checkExpectation(verdictInput);
  problems.push(...ledger.problems, ...realDriverProblems(slot.spec.expect, group, realDriver));
  // A deletion that reached no call: say whether it was lost before the sidecar (upstream) or by the sidecar.
  if (outcome.outcome === 'never-called' && slot.spec.expect.outcome !== 'never-called')
    problems.push(...lostTriggerProblems(slot.scenario.trigger, objects));
  if (scaleError) problems.push(scaleError);
  if (scale) problems.push(...scaleProblems(scale, slot.spec.expect.witnessesAgree === true));
  if (restartsInWindow > caused)
    problems.push(
      `the sidecar restarted ${restartsInWindow - caused}x during the window because of other scenarios`,
    );
  const unchecked = uncheckedExpectations(verdictInput);
  const verdict = verdictOf(problems);
  const resent = slot.spec.expect.attemptsUntilOk !== undefined ? resentAfterOk(attempts) : 0;
  const policy = slot.spec.declared
    ? {
        declared: policyClass(slot.spec.declared),
        conforms: verdict.verdict === 'pass',
        evidence: `${attempts.length} attempt(s), ${outcome.outcome}${resent ? ` (the success re-sent ${resent}x after the first OK, each answered OK)` : ''}${restartsInWindow ? `, sidecar restarted ${restartsInWindow}x` : ''}${problems.length ? `: ${problems.join('; ')}` : ''}${slot.spec.note ? `; ${slot.spec.note}` : ''}`,
      }
    : undefined;
  return {
    ...base,
    outcome: outcome.outcome,
    attempts,
    intervalsMs: outcome.intervalsMs,
    windowMs: observedMs,
    stillRetryingAtEnd: outcome.stillRetryingAtEnd,
    objects,
    events,
    ...context,
    sidecarRestarts: restartsInWindow,
    ...verdict,
    ...(unchecked.length ? { unchecked } : {}),
    ...(decision
      ? {
          decision: {
            early: decision.early,
            atMs: Math.round(decision.atMs),
            basis: decision.basis,
            evidence: decision.evidence,
          },
        }
      : {}),
    ...(witnesses ? { witnesses } : {}),
    ...(ledger.buckets ? { buckets: ledger.buckets } : {}),
    ...(ledger.apiRequests ? { apiRequests: ledger.apiRequests } : {}),
    ...(scale ? { scale } : {}),
    ...(realDriver ? { realDriver } : {}),
    ...(policy ? { policy } : {}),
  };
}

// Refused Events about the scenario's objects, from the sidecar's log where the harness can read it, and (given
// when the scenario was applied) whether other objects' refused Events kept this one from being logged yet.
export async function refusedEventsOf(
  rt: VariantHandle,
  objects: { name: string }[],
  appliedAt?: number,
): Promise<{ eventsRefused?: RefusedEvent[]; eventBacklog?: string }> {
  if (!rt.sidecarLogFile) return {};
  await rt.refreshSidecarLog?.();
  const log = await readFile(rt.sidecarLogFile, 'utf8').catch(() => '');
  const names = new Set(objects.map((o) => o.name));
  const eventBacklog = appliedAt === undefined ? undefined : refusedEventBacklog(log, names, appliedAt);
  return { eventsRefused: refusedEvents(log, names), ...(eventBacklog ? { eventBacklog } : {}) };
}

// A code treated as success stops after one call, like a terminal one.
function policyClass(d: 'terminal' | 'retried' | 'success' | 'bounded'): 'terminal' | 'retried' | 'bounded' {
  return d === 'success' ? 'terminal' : d;
}
