import { describe, expect, it } from 'vitest';
import { refusedEvents } from '../cosi/refused-events.ts';
import type { WitnessTable } from '../results/witness-results.ts';
import { summarizeAuditLog } from './audit-log-witness.ts';
import { logVolume } from './sidecar-log-witness.ts';
import { createCalls, loadRecording } from './testdata/recording.ts';
import { collectWitnessCounts } from './witness-counts.ts';
import { judgeFidelity } from './witness-fidelity.ts';

// The whole chain on each recorded COSI-86 run: every witness parsed from the real build's records, checked against
// the driver journal recorded with them.
function table(variant: string): WitnessTable {
  const r = loadRecording(variant);
  const calls = createCalls(r);
  const name = r.buckets[0] as string;
  const { counts, notMeasured } = collectWitnessCounts({
    era: r.era,
    rpc: 'create',
    object: { resource: 'buckets', name },
    sidecarUser: r.sidecarUser,
    audit: summarizeAuditLog(r.audit),
    eventsLanded: r.events,
    eventsRefused: refusedEvents(r.sidecarLog, new Set([name])),
    sidecarLog: r.sidecarLog,
    // Recorded on a machine in UTC.
    logClock: { year: new Date(r.appliedAt).getUTCFullYear(), utcOffsetMinutes: 0 },
    metrics: r.metrics,
  });
  return judgeFidelity(
    {
      attemptTimes: calls.map((c) => Date.parse(c.wallTime)),
      failed: calls.filter((c) => c.code !== 'OK').length,
      // As the runner classifies these runs: v1alpha2 terminal, every v1alpha1 build still retrying.
      stoppedAfterError: r.era === 'v1alpha2',
      windowEndMs: Date.parse(r.closedAt),
    },
    counts,
    notMeasured,
    logVolume(r.sidecarLog, [name], calls.length),
  );
}

const rowsOf = (t: WitnessTable) => t.rows.map((r) => [r.witness, r.count, r.expected, r.fidelity, r.cause]);

describe('witness table on recorded COSI-86 runs', () => {
  it('v0.2.0, v0.2.1, v0.2.2 and the COSI-86 build in default: Events, audit log and log all count 8 of 8', () => {
    for (const variant of [
      'v1alpha1-v0.2.0',
      'v1alpha1-v0.2.1',
      'v1alpha1-v0.2.2',
      'v1alpha1-cosi86-in-default',
    ]) {
      const t = table(variant);
      expect(t.driverAttempts, variant).toBe(8);
      expect(rowsOf(t), variant).toEqual([
        ['events', 8, 8, 'agree', undefined],
        ['audit-log', 8, 8, 'agree', undefined],
        ['sidecar-log', 8, 8, 'agree', undefined],
      ]);
      expect(t.verdict, variant).toBe('agree');
      expect(
        t.notMeasured.map((n) => n.witness),
        variant,
      ).toEqual(['metrics']);
    }
  });

  it('the COSI-86 build in its own namespace: the log agrees, Events and audit log disagree because every Event was refused', () => {
    const t = table('v1alpha1-cosi86');
    expect(rowsOf(t)).toEqual([
      ['events', 0, 8, 'disagree', 'event-refused'],
      ['audit-log', 0, 8, 'disagree', 'event-refused'],
      ['sidecar-log', 8, 8, 'agree', undefined],
    ]);
    expect(t.verdict).toBe('explained');
  });

  it('v0.1.0: only its log can count (no Event, no write per attempt), and it agrees', () => {
    const t = table('v1alpha1-v0.1.0');
    expect(rowsOf(t)).toEqual([['sidecar-log', 8, 8, 'agree', undefined]]);
    expect(t.notMeasured.map((n) => n.witness)).toEqual(['events', 'audit-log', 'metrics']);
    expect(t.verdict).toBe('agree');
    // Two records per attempt: "Add Bucket" and "Failed to create bucket".
    expect(t.logVolume?.linesPerAttempt).toBe(2);
  });

  it('v1alpha2: status write, metrics and log all see the one terminal attempt', () => {
    const t = table('v1alpha2-main');
    expect(t.driverAttempts).toBe(1);
    expect(t.rows.map((r) => [r.measure.split(/[ {]/)[0], r.count, r.expected, r.fidelity])).toEqual([
      ['buckets/status', 1, 1, 'agree'],
      ['controller_runtime_reconcile_total', 1, 1, 'agree'],
      ['controller_runtime_reconcile_errors_total', 1, 1, 'agree'],
      ['controller_runtime_terminal_reconcile_errors_total', 1, 1, 'agree'],
      ['workqueue_retries_total', 0, 0, 'agree'],
      ['"DriverCreateBucketRequest', 1, 1, 'agree'],
      ['"Reconciler', 1, 1, 'agree'],
    ]);
    expect(t.verdict).toBe('agree');
  });

  it("v1alpha2 counters are not taken as one object's when several shared the controller", () => {
    const r = loadRecording('v1alpha2-main');
    const name = r.buckets[0] as string;
    const { counts, notMeasured } = collectWitnessCounts({
      era: r.era,
      rpc: 'create',
      object: { resource: 'buckets', name },
      sidecarUser: r.sidecarUser,
      metrics: r.metrics && { ...r.metrics, objectsInWindow: 2 },
    });
    expect(counts).toEqual([]);
    expect(notMeasured.map((n) => n.witness)).toEqual(['events', 'audit-log', 'metrics', 'sidecar-log']);
    expect(notMeasured.find((n) => n.witness === 'metrics')?.reason).toContain('2 objects shared it');
  });
});
