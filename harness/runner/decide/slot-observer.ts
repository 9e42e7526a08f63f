import { setTimeout as sleep } from 'node:timers/promises';
import { JournalTail } from '../../driver/journal-tail.ts';
import { SCENARIO_PARAMETER } from '../../scenarios/scenario-loader.ts';
import { refusedEventsOf } from '../collect/slot-result.ts';
import { scrapeSidecarMetrics } from '../collect/witness-collector.ts';
import { attemptsFor, type Slot } from '../scenario-slot.ts';
import type { ScenarioEnvironment, VariantHandle } from '../start/scenario-environment.ts';
import { deleteClaimsDue } from '../trigger/claim-deleter.ts';
import { admitSetupWaves } from '../trigger/setup-waves.ts';
import { advanceTriggers } from '../trigger/trigger-advancer.ts';
import { classifyAttempts } from './outcome.ts';
import {
  type DeciderRules,
  decideOutcome,
  declaredAttempts,
  type OutcomeWitness,
} from './outcome-decider.ts';
import { checkExpectation, withoutLateEvidence, withoutWitnesses } from './verdict.ts';

// Events and status arrive after the attempt that caused them; a decided slot re-reads them this often.
const EVIDENCE_RECHECK_MS = 1_000;
const POLL_MS = 250;
// Every read and write the loop awaits has a timeout of its own (API 30 s, driver admin 15 s); this is the loop's
// own guard on top: a step still running after it is reported by name and left behind, so one stuck promise can no
// longer hold every window open (seen once in four matrix runs before the timeouts: the harness idle for 38 min).
const STEP_DEADLINE_MS = 45_000;
// At the end (or on Ctrl-C) set-up and trigger rounds still running get this long before they are left behind.
const DRAIN_MS = 10_000;

export interface ObserverOptions {
  windowMs?: number;
  full: boolean;
  signal?: AbortSignal;
  attempts?: (scenario: string, variant: string, n: number) => void;
  /** The sidecar's own word that a reconcile ended for good (v1alpha2 metrics), when it can give one. */
  witness?: (slot: Slot) => Promise<OutcomeWitness>;
  /** Told when a step of the loop has run past its deadline and is left behind (what, for how long). */
  stalled?: (what: string, ms: number) => void;
}

/**
 * Watches every live slot until each is settled: triggers advanced, journals tailed, and each scenario x variant
 * decided as soon as its outcome is certain (outcome-decider) and its expectations either hold or cannot hold any
 * more; evidence that arrives late (Events, status) is waited for until the window closes. Environments join
 * while it runs (`join`), so the first one observes while later ones still start.
 */
export class SlotObserver {
  private readonly tails = new Map<VariantHandle, JournalTail>();
  private readonly envs: ScenarioEnvironment[] = [];
  private readonly slots: Slot[] = [];
  private largestBudget = 0;
  /** Set-up and trigger rounds running beside the polls, by name (one of each at a time). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Each observed slot's check, while it runs: a slot whose check is stuck is not checked again meanwhile. */
  private readonly considering = new Map<Slot, Promise<void>>();

  constructor(private readonly opts: ObserverOptions) {}

  /** Declares every slot of the run up front: the largest budget any expectation declares is part of each decision. */
  plan(all: Slot[]): void {
    this.largestBudget = Math.max(0, ...all.map((s) => declaredAttempts(s.spec.expect)));
  }

  /** Adds an environment whose slots have been applied. */
  join(env: ScenarioEnvironment, slots: Slot[]): void {
    this.envs.push(env);
    for (const handle of env.members.values())
      this.tails.set(handle, new JournalTail(handle.driver.admin, (c) => c.parameters[SCENARIO_PARAMETER]));
    this.slots.push(...slots);
  }

  tailOf(slot: Slot): JournalTail | undefined {
    return slot.env ? this.tails.get(slot.env.member(slot.variant.name)) : undefined;
  }

  /** Polls until `done()` says no more environments will join and every joined slot is settled. */
  async run(moreToCome: () => boolean): Promise<void> {
    try {
      while (moreToCome() || this.slots.some((s) => this.open(s))) {
        if (this.opts.signal?.aborted) return;
        await this.poll();
        await sleep(POLL_MS, undefined, { signal: this.opts.signal }).catch(() => undefined);
      }
    } finally {
      await this.guarded('set-up and trigger rounds', Promise.all(this.inFlight.values()), DRAIN_MS);
    }
  }

  /**
   * Awaits `work` for at most `ms`; past that it is reported and left running (its result is dropped) and the loop
   * goes on. Ctrl-C ends the wait at once.
   */
  private async guarded(what: string, work: Promise<unknown>, ms = STEP_DEADLINE_MS): Promise<void> {
    const timer = new AbortController();
    const signal = this.opts.signal ? AbortSignal.any([timer.signal, this.opts.signal]) : timer.signal;
    const deadline = sleep(ms, 'late' as const, { signal }).catch(() => 'interrupted' as const);
    const started = Date.now();
    const first = await Promise.race([
      work.then(
        () => 'done' as const,
        () => 'done' as const,
      ),
      deadline,
    ]);
    timer.abort();
    if (first === 'late') this.opts.stalled?.(what, Date.now() - started);
  }

  /** A final journal read, so results see every call made up to now. */
  async refresh(): Promise<void> {
    await Promise.all([...this.tails.values()].map((t) => t.refresh()));
  }

  /** Resolves once none of `slots` is open any more (or the run is interrupted). */
  async until(slots: readonly Slot[]): Promise<void> {
    while (slots.some((s) => this.open(s)) && !this.opts.signal?.aborted) await sleep(POLL_MS);
  }

  /** A final journal read of one environment's drivers. */
  async refreshOf(env: ScenarioEnvironment): Promise<void> {
    await Promise.all(
      [...env.members.values()].map((h) =>
        this.tails
          .get(h)
          ?.refresh()
          .catch(() => undefined),
      ),
    );
  }

  /** Stops watching an environment that is about to stop: its slots are all decided and collected. */
  leave(env: ScenarioEnvironment): void {
    for (const h of env.members.values()) this.tails.delete(h);
    this.envs.splice(this.envs.indexOf(env), 1);
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i]?.env === env) this.slots.splice(i, 1);
  }

  private beside(name: string, work: () => Promise<void>): void {
    if (this.inFlight.has(name)) return;
    this.inFlight.set(
      name,
      work()
        .catch(() => undefined)
        .finally(() => this.inFlight.delete(name)),
    );
  }

  private open(s: Slot): boolean {
    return (
      s.state === 'queued' ||
      s.state === 'waiting-bucket' ||
      s.state === 'waiting-grant' ||
      (s.state === 'observing' && !s.settled)
    );
  }

  private callsOf(slot: Slot) {
    return this.tailOf(slot)?.group(slot.scenario.name) ?? [];
  }

  private async poll(): Promise<void> {
    await this.guarded("reading the drivers' journals", this.refresh());
    // Set-up and triggers write to the API (a new claim can wait 2 s on a fresh CRD, a trigger scrapes metrics):
    // they run beside the polls, one round of each at a time, so a slow one never delays reading the journals
    // (with them inline, the matrix saw attempts up to 50 s after they were made).
    this.beside('setup', () => admitSetupWaves(this.slots));
    this.beside('triggers', () => advanceTriggers(this.slots, this.envs, (s) => this.callsOf(s)));
    this.beside('claim deletions', () => deleteClaimsDue(this.slots, (s) => this.windowOf(s)));
    const observing = this.slots.filter((s) => s.state === 'observing' && !s.settled);
    for (const slot of observing) {
      if (this.considering.has(slot)) continue;
      this.considering.set(
        slot,
        this.consider(slot)
          .catch(() => undefined)
          .finally(() => this.considering.delete(slot)),
      );
    }
    const checks = observing.flatMap((s) => this.considering.get(s) ?? []);
    await this.guarded(`checking ${checks.length} observed pair(s)`, Promise.all(checks));
  }

  /** The slot's observation window: the run's --window, else the scenario's own. */
  private windowOf(slot: Slot): number {
    return this.opts.windowMs ?? slot.scenario.windowMs;
  }

  private async consider(slot: Slot): Promise<void> {
    const appliedAt = slot.appliedAt as number;
    const now = Date.now();
    const before = slot.attempts.length;
    slot.attempts = attemptsFor(this.callsOf(slot), slot.scenario, appliedAt);
    if (slot.attempts.length !== before) {
      this.opts.attempts?.(slot.scenario.name, slot.variant.name, slot.attempts.length);
      if (before === 0) slot.phases?.mark('first attempt');
    }
    // Nothing is decided before a scheduled claim deletion has happened: it is part of what is measured (the
    // deleter times it from the first attempt counted above).
    if (slot.scenario.deleteClaimAfterMs !== undefined && slot.claimDeletedAt === undefined) return;
    const windowMs = this.windowOf(slot);
    const elapsed = Math.min(now - appliedAt, windowMs);
    const rules: DeciderRules = {
      era: slot.variant.era,
      windowMs,
      largestBudget: this.largestBudget,
      // Scale scenarios measure attempts per claim per minute: a rate over the whole window, never cut early.
      full: this.opts.full || slot.scenario.scale !== undefined,
    };
    let attempts = slot.attempts.filter((a) => a.offsetMs <= elapsed);
    let witness: OutcomeWitness = {};
    // A budget overrun settles the verdict (a failure), not what the sidecar does: the pair is watched on until its
    // outcome is decided too, so a 3-then-OK cell still reads bounded (4), not "still retrying" at its 2nd call.
    const { attempts: _n, maxAttempts: _m, ...unbudgeted } = slot.spec.expect;
    const decide = (att: typeof attempts, at: number) => {
      const d = decideOutcome(rules, slot.spec.expect, att, at, witness);
      if (!d.decided || d.basis !== 'budget' || at >= windowMs) return d;
      const o = decideOutcome(rules, unbudgeted, att, at, witness);
      return o.decided ? { ...o, evidence: `${d.evidence}; ${o.evidence}` } : o;
    };
    let decision = decide(attempts, elapsed);
    // Only a slot that looks stopped asks its sidecar for confirmation (a scrape per poll is not free).
    if (!decision.decided && this.opts.witness && attempts.length > 0) {
      witness = await this.opts.witness(slot).catch(() => ({}));
      if (witness.terminalConfirmed) decision = decide(attempts, elapsed);
    }
    if (!decision.decided) return;
    const final = decision.basis === 'window' || decision.basis === 'budget';
    if (!final && slot.checkedAt !== undefined && now - slot.checkedAt < EVIDENCE_RECHECK_MS) return;
    slot.checkedAt = now;
    const env = slot.env as ScenarioEnvironment;
    const inspected = await env.inspect(slot.scenario, slot.variant.name).catch(() => undefined);
    // The journal read again after the objects: an attempt made meanwhile has its Event counted already, so the
    // attempts must include it (an Event is written after its driver call, never before). The observation ends
    // when that read is sent: every call answered before then is in it, a call answered while it travels may not
    // be (under load the read took ~0.6 s and such a call was left out of a window that covered it).
    const readAt = Date.now();
    await this.tailOf(slot)
      ?.refresh()
      .catch(() => undefined);
    const observedMs = Math.min(readAt - appliedAt, windowMs);
    const fresh = attemptsFor(this.callsOf(slot), slot.scenario, appliedAt).filter(
      (a) => a.offsetMs <= observedMs,
    );
    if (fresh.length !== attempts.length) {
      const again = decide(fresh, observedMs);
      // A call came meanwhile and the outcome is no longer certain (a sidecar that looked stopped): next poll.
      if (!again.decided) return;
      decision = again;
      attempts = fresh;
    }
    const settle = async () => {
      slot.phases?.mark('verdict');
      // Scraped before the slot reads settled: a settled slot may be collected at once (finishGroup), and a
      // scrape still in flight then was missing from its witnesses (seen in CI: no metrics rows for v1alpha2).
      slot.metricsAfter = await scrapeSidecarMetrics(slot);
      slot.settled = { decision, observedMs, attempts, inspected };
    };
    if (final) return settle();
    // Decided early: settle when every expectation holds, or when one has failed for good. A missing Event or
    // status.error may still arrive, so those alone keep the slot open until its window closes.
    const outcome = classifyAttempts({
      attempts,
      observedMs: elapsed,
      sidecarRestarts: 0,
      stopped: decision.basis === 'quiet',
    });
    const { eventsRefused, eventBacklog } = await refusedEventsOf(
      env.member(slot.variant.name),
      inspected?.objects ?? [],
      appliedAt,
    );
    const input = {
      expect: slot.spec.expect,
      outcome,
      attempts,
      events: inspected?.events ?? [],
      eventsRefused: eventsRefused ?? [],
      ...(eventBacklog ? { eventBacklog } : {}),
      objects: inspected?.objects ?? [],
    };
    const restarted = env.member(slot.variant.name).restartTimes.some((t) => t >= appliedAt);
    if (restarted) return; // crash attribution needs the whole window's restarts
    if (
      checkExpectation(withoutWitnesses(input)).length === 0 ||
      checkExpectation(withoutLateEvidence(input)).length > 0
    )
      await settle();
  }
}
