import { describe, expect, it } from 'vitest';
import { countersDelta, readControllerCounters, totalReconciles } from './controller-metrics-witness.ts';
import { createCalls, loadRecording } from './testdata/recording.ts';

describe('controller-runtime metrics witness', () => {
  it('the v1alpha2 sidecar counted one reconcile, one error, one terminal error and no retry for its one attempt', () => {
    const r = loadRecording('v1alpha2-main');
    expect(createCalls(r)).toHaveLength(1);
    const m = r.metrics;
    if (!m) throw new Error('the v1alpha2 recording has no metrics');
    const before = readControllerCounters(m.before, 'bucket');
    const d = countersDelta(before, readControllerCounters(m.after, 'bucket'));
    expect(d).toEqual({
      reconciles: { error: 1, requeue: 0, requeue_after: 0, success: 0 },
      errors: 1,
      terminalErrors: 1,
      retries: 0,
    });
    expect(totalReconciles(d)).toBe(createCalls(r).length);
    // The other controller did nothing.
    const access = countersDelta(
      readControllerCounters(m.before, 'bucketaccess'),
      readControllerCounters(m.after, 'bucketaccess'),
    );
    expect(totalReconciles(access) + access.errors + access.retries).toBe(0);
  });

  it('matches workqueue_retries_total by name where a build has no controller label, and reads escaped labels', () => {
    const text = [
      '# TYPE controller_runtime_reconcile_total counter',
      'controller_runtime_reconcile_total{controller="bucket",result="error"} 7',
      'controller_runtime_reconcile_total{controller="bucket \\"x\\"",result="error"} 100',
      '# TYPE workqueue_retries_total counter',
      'workqueue_retries_total{name="bucket"} 6',
      '',
    ].join('\n');
    expect(readControllerCounters(text, 'bucket')).toEqual({
      reconciles: { error: 7 },
      errors: 0,
      terminalErrors: 0,
      retries: 6,
    });
    expect(readControllerCounters(text, 'bucket "x"').reconciles).toEqual({ error: 100 });
  });
});
