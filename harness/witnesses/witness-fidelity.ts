// Checks each witness's count against the driver's and names the likeliest reason when they differ. Pure: the
// counts come from the witness parsers, the driver's from its journal.
import type {
  DisagreementCause,
  LogVolume,
  WitnessExpects,
  WitnessKind,
  WitnessNotMeasured,
  WitnessRow,
  WitnessTable,
} from '../results/witness-results.ts';

/** What the driver saw of one object in the window. */
export interface DriverRecord {
  /** When each call for the object was answered (ms since the epoch), oldest first. */
  attemptTimes: number[];
  /** How many of them were answered with an error. */
  failed: number;
  /** The sidecar stopped after a failed call (outcome terminal): that call was not retried. */
  stoppedAfterError: boolean;
  /** When the window closed (ms since the epoch). */
  windowEndMs: number;
}

/** What a witness's records are, which decides the likely causes of a difference. */
export type WitnessRecordKind =
  /** a reconcile of the object, which may end before the driver is called */
  | 'reconcile'
  /** an Event write (or Event count): may be refused, aggregated, or written after the window */
  | 'event'
  /** a record of a call's result (a failed-call log line, a status write) */
  | 'call-result';

/** One witness's count for the object, as a parser read it. */
export interface WitnessCount {
  witness: WitnessKind;
  measure: string;
  expects: WitnessExpects;
  record: WitnessRecordKind;
  count: number;
  /** When the witness recorded each (ms since the epoch), where it says. */
  times?: number[];
  /** Event records: how many the sidecar's log shows refused. */
  refused?: number;
}

export interface FidelityOptions {
  /**
   * How close to the window's end an attempt must be for a difference of one to be that attempt, cut in two by the
   * window (the call journalled but its Event or status write not yet done, or the reconcile logged but the call
   * not yet made). Default 2 s: client-go's Event broadcaster writes asynchronously, usually within milliseconds.
   */
  inFlightMs?: number;
}

function expectedOf(d: DriverRecord, expects: WitnessExpects): number {
  switch (expects) {
    case 'attempts':
      return d.attemptTimes.length;
    case 'failed-attempts':
      return d.failed;
    case 'retried-attempts':
      return Math.max(0, d.failed - (d.stoppedAfterError ? 1 : 0));
    case 'terminal-attempts':
      return d.stoppedAfterError ? 1 : 0;
  }
}

const EXPECTS_WORDS: Record<WitnessExpects, string> = {
  attempts: 'driver attempts',
  'failed-attempts': 'failed driver attempts',
  'retried-attempts': 'failed attempts the sidecar retried',
  'terminal-attempts': 'attempts after which the sidecar stopped',
};

const CAUSE_WORDS: Record<DisagreementCause, string> = {
  'reconcile-without-driver-call': 'reconciles that never reached the driver',
  'event-aggregated': 'Events aggregated or dropped by client-go before reaching the API (none refused)',
  'event-refused': 'Event writes refused (the sidecar log shows the refusals)',
  'in-flight-at-window-end': 'one attempt in flight when the window closed',
  unexplained: 'no known cause: the count itself is in question',
};

function causeOf(c: WitnessCount, expected: number, d: DriverRecord, inFlightMs: number): DisagreementCause {
  const diff = c.count - expected;
  const lastAttempt = d.attemptTimes.at(-1);
  const nearEnd = (t: number | undefined) => t !== undefined && d.windowEndMs - t <= inFlightMs;
  if (c.record === 'event' && diff < 0 && (c.refused ?? 0) > 0) return 'event-refused';
  if (diff === -1 && nearEnd(lastAttempt)) return 'in-flight-at-window-end';
  if (diff === 1) {
    const lastSeen = c.times?.at(-1);
    if (nearEnd(lastSeen) && (lastAttempt === undefined || (lastSeen as number) > lastAttempt))
      return 'in-flight-at-window-end';
  }
  if (c.record === 'event' && diff < 0) return 'event-aggregated';
  if (c.record === 'reconcile' && diff > 0) return 'reconcile-without-driver-call';
  return 'unexplained';
}

/**
 * The witness table of one scenario x variant: each count against the driver's number it should equal, agree or
 * disagree with the likeliest cause, and the row's verdict.
 */
export function judgeFidelity(
  driver: DriverRecord,
  counts: readonly WitnessCount[],
  notMeasured: readonly WitnessNotMeasured[] = [],
  logVolume?: LogVolume,
  opts: FidelityOptions = {},
): WitnessTable {
  const inFlightMs = opts.inFlightMs ?? 2_000;
  const rows: WitnessRow[] = counts.map((c) => {
    const expected = expectedOf(driver, c.expects);
    const base = {
      witness: c.witness,
      measure: c.measure,
      expects: c.expects,
      expected,
      count: c.count,
    };
    if (c.count === expected)
      return { ...base, fidelity: 'agree', reason: `${c.count} = ${expected} ${EXPECTS_WORDS[c.expects]}` };
    const cause = causeOf(c, expected, driver, inFlightMs);
    return {
      ...base,
      fidelity: 'disagree',
      cause,
      reason: `${c.count} vs ${expected} ${EXPECTS_WORDS[c.expects]}: ${CAUSE_WORDS[cause]}`,
    };
  });
  const off = rows.filter((r) => r.fidelity === 'disagree');
  const verdict = !rows.length
    ? 'not-measured'
    : !off.length
      ? 'agree'
      : off.some((r) => r.cause === 'unexplained')
        ? 'disagree'
        : 'explained';
  const verdictReason = !rows.length
    ? 'no witness could count here'
    : !off.length
      ? `all ${rows.length} witness counts agree with the driver's ${driver.attemptTimes.length} attempts`
      : off.map((r) => `${r.witness} ${r.measure}: ${r.reason}`).join('; ');
  const table: WitnessTable = {
    driverAttempts: driver.attemptTimes.length,
    driverFailedAttempts: driver.failed,
    rows,
    notMeasured: [...notMeasured],
    verdict,
    verdictReason,
  };
  if (logVolume) table.logVolume = logVolume;
  return table;
}
