// The witness table of one scenario x variant: the driver's attempt count checked against the system's own
// records (kube-apiserver audit log, Events, the v1alpha2 sidecar's metrics, the sidecar's log). Plain data only.

/** An independent record of what the sidecar did. */
export type WitnessKind = 'audit-log' | 'events' | 'metrics' | 'sidecar-log';

/** What a faithful witness count equals, in driver terms. */
export type WitnessExpects =
  /** every call the driver answered for the object */
  | 'attempts'
  /** calls answered with an error */
  | 'failed-attempts'
  /** failed calls the sidecar tried again: every failed one, less the last when the sidecar stopped after it */
  | 'retried-attempts'
  /** 1 when the sidecar stopped after a failed call (terminal), else 0 */
  | 'terminal-attempts';

/**
 * Why a witness disagrees, the likeliest first:
 * - reconcile-without-driver-call: the sidecar reconciled (log line, metric) and never reached the driver;
 * - event-aggregated: fewer Event increments than errors, none refused: client-go's correlator merged or dropped them;
 * - event-refused: the sidecar's Event write was refused (its log says so) and never reached the API;
 * - in-flight-at-window-end: the witness and the driver differ by the one attempt the window cut in two;
 * - unexplained: none of these fits; the count itself is in question.
 */
export type DisagreementCause =
  | 'reconcile-without-driver-call'
  | 'event-aggregated'
  | 'event-refused'
  | 'in-flight-at-window-end'
  | 'unexplained';

export interface WitnessRow {
  witness: WitnessKind;
  /** What was counted, in words ("Event FailedCreateBucket count", "\"Add Bucket\" log lines"). */
  measure: string;
  expects: WitnessExpects;
  /** The driver's number this row is checked against. */
  expected: number;
  count: number;
  fidelity: 'agree' | 'disagree';
  /** Set when fidelity is disagree. */
  cause?: DisagreementCause;
  /** One sentence with both numbers and the cause. */
  reason: string;
}

/** A witness that could not count here, and why (a release that records no Events, metrics only in v1alpha2, ...). */
export interface WitnessNotMeasured {
  witness: WitnessKind;
  measure: string;
  reason: string;
}

/** The sidecar's log attributable to one object, and what it costs a user who runs it for a day. */
export interface LogVolume {
  lines: number;
  bytes: number;
  linesPerAttempt: number;
  bytesPerAttempt: number;
  /** bytesPerAttempt x the attempts projection per object per day; absent without a projection. */
  bytesPerObjectPerDay?: number;
}

export interface WitnessTable {
  /** The driver journal's calls for the object in the window. */
  driverAttempts: number;
  driverFailedAttempts: number;
  rows: WitnessRow[];
  notMeasured: WitnessNotMeasured[];
  /**
   * agree: every row agrees; explained: some disagree, each with a measured cause (an Event refused, an attempt in
   * flight, ...); disagree: at least one row disagrees and nothing explains it; not-measured: no witness could
   * count (nothing to agree with).
   */
  verdict: 'agree' | 'explained' | 'disagree' | 'not-measured';
  verdictReason: string;
  logVolume?: LogVolume;
}
