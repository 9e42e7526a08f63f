import { describe, expect, it } from 'vitest';
import { type DriverRecord, judgeFidelity, type WitnessCount } from './witness-fidelity.ts';

const END = 1_000_000;
// Eight failed attempts, the last 6.4 s before the window closed (the v1alpha1 backoff in a 20 s window).
const unbounded: DriverRecord = {
  attemptTimes: [0, 100, 300, 700, 1_500, 3_100, 6_300, 12_700].map((t) => END - 19_100 + t),
  failed: 8,
  stoppedAfterError: false,
  windowEndMs: END,
};

function count(over: Partial<WitnessCount>): WitnessCount {
  return {
    witness: 'sidecar-log',
    measure: 'm',
    expects: 'attempts',
    record: 'reconcile',
    count: 8,
    ...over,
  };
}

describe('witness fidelity', () => {
  it('agrees when every count equals its driver number', () => {
    const t = judgeFidelity(unbounded, [
      count({}),
      count({ witness: 'events', record: 'event', expects: 'failed-attempts' }),
    ]);
    expect(t.verdict).toBe('agree');
    expect(t.rows.map((r) => [r.fidelity, r.expected])).toEqual([
      ['agree', 8],
      ['agree', 8],
    ]);
    expect(t.verdictReason).toBe("all 2 witness counts agree with the driver's 8 attempts");
  });

  it('names refused Events before aggregation, and aggregation when none was refused', () => {
    const t = judgeFidelity(unbounded, [
      count({ witness: 'events', record: 'event', expects: 'failed-attempts', count: 0, refused: 3 }),
      count({ witness: 'events', record: 'event', expects: 'failed-attempts', count: 5 }),
    ]);
    expect(t.rows.map((r) => r.cause)).toEqual(['event-refused', 'event-aggregated']);
    expect(t.rows[0]?.reason).toBe(
      '0 vs 8 failed driver attempts: Event writes refused (the sidecar log shows the refusals)',
    );
    expect(t.verdict).toBe('explained');
  });

  it('a reconcile log line more than the driver saw: in flight when logged at the window end, else never reached the driver', () => {
    const late = judgeFidelity(unbounded, [count({ count: 9, times: [END - 500] })]);
    expect(late.rows[0]?.cause).toBe('in-flight-at-window-end');
    const early = judgeFidelity(unbounded, [count({ count: 9, times: [END - 15_000] })]);
    expect(early.rows[0]?.cause).toBe('reconcile-without-driver-call');
    const many = judgeFidelity(unbounded, [count({ count: 12 })]);
    expect(many.rows[0]?.cause).toBe('reconcile-without-driver-call');
  });

  it('one Event short is the attempt in flight only when the last call was at the window end', () => {
    const endCall = { ...unbounded, attemptTimes: [...unbounded.attemptTimes.slice(0, -1), END - 300] };
    const ev = count({ witness: 'events', record: 'event', expects: 'failed-attempts', count: 7 });
    expect(judgeFidelity(endCall, [ev]).rows[0]?.cause).toBe('in-flight-at-window-end');
    expect(judgeFidelity(unbounded, [ev]).rows[0]?.cause).toBe('event-aggregated');
    expect(judgeFidelity(endCall, [ev], [], undefined, { inFlightMs: 100 }).rows[0]?.cause).toBe(
      'event-aggregated',
    );
  });

  it('a call-result witness that counts fewer, unexplained, fails the row', () => {
    const t = judgeFidelity(unbounded, [
      count({ record: 'call-result', expects: 'failed-attempts', count: 3 }),
    ]);
    expect(t.verdict).toBe('disagree');
    expect(t.rows[0]?.cause).toBe('unexplained');
  });

  it('retried and terminal attempts follow whether the sidecar stopped after its last error', () => {
    const terminal: DriverRecord = {
      attemptTimes: [END - 19_000],
      failed: 1,
      stoppedAfterError: true,
      windowEndMs: END,
    };
    const rows = judgeFidelity(terminal, [
      count({ witness: 'metrics', expects: 'retried-attempts', count: 0 }),
      count({ witness: 'metrics', expects: 'terminal-attempts', count: 1 }),
    ]).rows;
    expect(rows.map((r) => [r.expected, r.fidelity])).toEqual([
      [0, 'agree'],
      [1, 'agree'],
    ]);
    const retried = judgeFidelity(unbounded, [
      count({ witness: 'metrics', expects: 'retried-attempts', count: 8 }),
    ]);
    expect(retried.rows[0]?.fidelity).toBe('agree');
  });

  it('keeps what was not measured and the log volume, and says so when nothing could count', () => {
    const t = judgeFidelity(
      unbounded,
      [],
      [{ witness: 'metrics', measure: 'reconcile counters', reason: 'v1alpha1 sidecars serve no metrics' }],
      { lines: 8, bytes: 800, linesPerAttempt: 1, bytesPerAttempt: 100 },
    );
    expect(t.verdict).toBe('not-measured');
    expect(t.verdictReason).toBe('no witness could count here');
    expect(t.notMeasured).toHaveLength(1);
    expect(t.logVolume?.bytes).toBe(800);
  });
});
