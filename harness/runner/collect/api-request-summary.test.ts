import { describe, expect, it } from 'vitest';
import type { ApiJournalEntry } from '../../results/api-journal-results.ts';
import { summarizeApiJournal } from './api-request-summary.ts';

const entry = (seq: number, e: Partial<ApiJournalEntry>): ApiJournalEntry => ({
  seq,
  wallTime: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  monoMs: seq * 1000,
  method: 'PUT',
  verb: 'update',
  isResourceRequest: true,
  apiGroup: 'objectstorage.k8s.io',
  resource: 'buckets',
  path: '/apis/objectstorage.k8s.io/v1alpha1/buckets/b',
  callNumber: 1,
  status: 200,
  latencyMs: 3,
  outcome: 'forwarded',
  ...e,
});

describe('API journal summary', () => {
  const entries = [
    entry(1, {
      verb: 'watch',
      method: 'GET',
      outcome: 'watch-cut',
      fault: { rule: 'cut', kind: 'cut-watch' },
    }),
    entry(2, {
      subresource: 'status',
      status: 409,
      outcome: 'injected-status',
      fault: { rule: 'conflict', kind: 'status' },
    }),
    entry(3, {
      subresource: 'status',
      status: 409,
      outcome: 'injected-status',
      fault: { rule: 'conflict', kind: 'status' },
    }),
    entry(4, { subresource: 'status' }),
    entry(5, { user: 'system:serviceaccount:ns:cosi-sidecar-1' }),
  ];

  it('counts by verb, resource/subresource and status, faults by rule, and cut watches', () => {
    const s = summarizeApiJournal(entries, { clients: ['sidecar'], triggerWall: Date.UTC(2026, 0, 1) });
    expect(s.requests).toBe(5);
    expect(s.byRequest[0]).toEqual({ verb: 'update', resource: 'buckets/status', status: 409, count: 2 });
    expect(s.injected).toEqual([
      { rule: 'cut', kind: 'cut-watch', count: 1 },
      { rule: 'conflict', kind: 'status', count: 2 },
    ]);
    expect(s.watchesCut).toBe(1);
    // Writes only, offset from the trigger, the injecting rule named.
    expect(s.writes.map((w) => [w.offsetMs, w.status, w.rule])).toEqual([
      [2000, 409, 'conflict'],
      [3000, 409, 'conflict'],
      [4000, 200, undefined],
      [5000, 200, undefined],
    ]);
  });

  it("keeps one sidecar's requests (and the controller's) when several share the control plane", () => {
    const s = summarizeApiJournal(
      entries.map((e) => (e.seq === 5 ? e : { ...e, user: 'system:serviceaccount:ns:cosi-sidecar-0' })),
      { clients: ['sidecar'], sidecarUser: 'system:serviceaccount:ns:cosi-sidecar-1' },
    );
    expect(s.requests).toBe(1);
  });
});
