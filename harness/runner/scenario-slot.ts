import type { DriverCall } from '../driver/driver-admin-client.ts';
import type { Attempt, EventSummary, ObjectStatus } from '../results/run-results.ts';
import type { Scenario, ScenarioVariant } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import type { OutcomeDecision } from './decide/outcome-decider.ts';
import type { PhaseClock } from './phase-clock.ts';
import type { ScenarioEnvironment } from './start/scenario-environment.ts';

/**
 * Where a scenario x variant stands: queued for set-up (its objects not created yet), waiting for its
 * precondition, observed, or never started.
 */
export type SlotState =
  | 'pending'
  | 'queued'
  | 'waiting-bucket'
  | 'waiting-grant'
  | 'observing'
  | 'precondition-failed';

/** What was settled about a slot, and when: the attempts and objects the result is written from. */
export interface Settlement {
  decision: Extract<OutcomeDecision, { decided: true }>;
  /** Milliseconds after the trigger the observation covers. */
  observedMs: number;
  attempts: Attempt[];
  /** Objects and Events read when the slot settled, so later attempts cannot leak into them. */
  inspected?: { objects: ObjectStatus[]; events: EventSummary[] };
}

/** One scenario x variant through the run. */
export interface Slot {
  scenario: Scenario;
  variant: SidecarVariant;
  spec: ScenarioVariant;
  env?: ScenarioEnvironment;
  state: SlotState;
  stateSince: number;
  appliedAt?: number;
  attempts: Attempt[];
  settled?: Settlement;
  /** When the slot's expectations were last checked against the cluster (evidence that arrives late). */
  checkedAt?: number;
  unavailable?: string;
  problem?: string;
  /** When the claim was first seen ready (delete scenarios wait for its controller's finalizer too). */
  readySince?: number;
  /** The resourceVersion of the object the trigger acts on, and since when it has been that (quiet-object.ts). */
  watched?: { version: string; since: number };
  /** The v1alpha2 sidecar's metrics when the slot was applied and when it settled (a witness). */
  metricsBefore?: string;
  metricsAfter?: string;
  /** When the harness deleted the claim of a scenario with spec.deleteClaimAfter (claim-deleter.ts). */
  claimDeletedAt?: number;
  /** Environment phases and the slot's own (first attempt, verdict), in ms since the process started. */
  phases?: PhaseClock;
}

/** A slot per scenario x variant the run selected. */
export function planSlots(scenarios: Scenario[], variants: SidecarVariant[]): Slot[] {
  const slots: Slot[] = [];
  for (const scenario of scenarios) {
    for (const spec of scenario.variants) {
      const variant = variants.find((v) => v.name === spec.sidecar);
      if (variant) slots.push({ scenario, variant, spec, attempts: [], state: 'pending', stateSince: 0 });
    }
  }
  return slots;
}

/** The scenario's attempts among its own calls (a JournalTail group). */
export function attemptsFor(calls: readonly DriverCall[], s: Scenario, appliedWall: number): Attempt[] {
  return calls
    .filter((c) => c.rpc === s.rpc)
    .map((c) => ({
      seq: c.seq,
      wallTime: c.wallTime,
      offsetMs: Math.max(0, Date.parse(c.wallTime) - appliedWall),
      code: c.code,
      message: c.message,
      bucketName: c.bucketName,
      ...(c.answeredBy ? { answeredBy: c.answeredBy } : {}),
    }));
}
