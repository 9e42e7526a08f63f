import { describe, expect, it } from 'vitest';
import { countReconcileLines, hasReconcileLine, logRecords, logVolume } from './sidecar-log-witness.ts';
import { createCalls, loadRecording } from './testdata/recording.ts';

// The recordings were made on a machine in UTC, in 2026.
const UTC_2026 = { year: 2026, utcOffsetMinutes: 0 };
const V1ALPHA1 = [
  'v1alpha1-cosi86',
  'v1alpha1-v0.1.0',
  'v1alpha1-v0.2.0',
  'v1alpha1-v0.2.1',
  'v1alpha1-v0.2.2',
];

describe('sidecar log witness on recorded COSI-86 runs', () => {
  it('every v1alpha1 build logs one "Add Bucket" line per create the driver saw, at the times it saw them', () => {
    for (const variant of V1ALPHA1) {
      const r = loadRecording(variant);
      const calls = createCalls(r);
      expect(calls.length, variant).toBe(8);
      const [c] = countReconcileLines(r.sidecarLog, 'v1alpha1', 'create', r.buckets[0] as string, UTC_2026);
      expect(c?.measure, variant).toBe('"Add Bucket" log lines');
      expect(c?.count, variant).toBe(calls.length);
      // Logged just before each call: within 100 ms of the journal's answer.
      for (const [i, t] of (c?.times ?? []).entries()) {
        const answered = Date.parse(calls[i]?.wallTime as string);
        expect(answered - t, `${variant} #${i}`).toBeGreaterThanOrEqual(-5);
        expect(answered - t, `${variant} #${i}`).toBeLessThan(100);
      }
      expect(
        countReconcileLines(r.sidecarLog, 'v1alpha1', 'create', 'another-bucket', UTC_2026)[0]?.count,
      ).toBe(0);
    }
  });

  it('v1alpha2 logs one failed-call line and one "Reconciler error" for its one attempt, stack traces kept with them', () => {
    const r = loadRecording('v1alpha2-main');
    const name = r.buckets[0] as string;
    expect(createCalls(r)).toHaveLength(1);
    const counts = countReconcileLines(r.sidecarLog, 'v1alpha2', 'create', name);
    expect(counts.map((c) => [c.measure, c.count])).toEqual([
      ['"DriverCreateBucketRequest error" log lines', 1],
      ['"Reconciler error" log lines', 1],
    ]);
    const traced = logRecords(r.sidecarLog).find((rec) =>
      rec.text.includes('\tDriverCreateBucketRequest error\t'),
    );
    expect(traced?.lines).toBeGreaterThan(1);
    expect(traced?.text).toContain('dynamicProvision');
  });

  it('log volume: the records naming the object, per attempt and per day', () => {
    const log = [
      'I1130 04:31:30.756191   1 bucket_controller.go:72] "Add Bucket" name="b"',
      'I1130 04:31:30.800000   1 leaderelection.go:278] successfully renewed lease x',
      '2026-11-30T04:31:30Z\tERROR\tReconciler error\t{"name": "b"}',
      '\tsigs.k8s.io/x.go:1',
      '',
    ].join('\n');
    const bytes =
      Buffer.byteLength(log) -
      Buffer.byteLength('I1130 04:31:30.800000   1 leaderelection.go:278] successfully renewed lease x\n');
    expect(logVolume(log, ['b'], 2, 100)).toEqual({
      lines: 3,
      bytes,
      linesPerAttempt: 1.5,
      bytesPerAttempt: bytes / 2,
      bytesPerObjectPerDay: Math.round((bytes / 2) * 100),
    });
    expect(logVolume(log, ['b'], 0).bytesPerAttempt).toBe(0);
  });

  it('reads klog times with the year and zone given, and the one grant line of v1alpha1 (not its second Add line)', () => {
    const log = [
      'I0102 03:04:05.250000   1 bucketaccess_controller.go:78] "Add BucketAccess" name="a" bucketClaim="c"',
      'I0102 03:04:05.251000   1 bucketaccess_controller.go:84] "Add BucketAccess" name="a" BucketAccessClassName="k"',
    ].join('\n');
    const [c] = countReconcileLines(log, 'v1alpha1', 'grant', 'a', { year: 2025, utcOffsetMinutes: 60 });
    expect(c?.count).toBe(1);
    // 03:04:05.25 in UTC+1.
    expect(c?.times).toEqual([Date.UTC(2025, 0, 2, 2, 4, 5, 250)]);
    expect(hasReconcileLine('v1alpha1', 'delete')).toBe(false);
    expect(countReconcileLines(log, 'v1alpha1', 'delete', 'a')).toEqual([]);
  });
});
