import { describe, expect, it } from 'vitest';
import { eventWritesAbout, requests, succeeded, summarizeAuditLog, writesTo } from './audit-log-witness.ts';
import { createCalls, loadRecording } from './testdata/recording.ts';

// Audit logs of the real builds, each recorded over one COSI-86 window (testdata/record-witnesses.mts).
describe('audit log witness on recorded COSI-86 runs', () => {
  it('v0.2.x: one Event create (201) and one count PATCH (200) per failed create, count reaching the attempts', () => {
    for (const variant of ['v1alpha1-v0.2.0', 'v1alpha1-v0.2.1', 'v1alpha1-v0.2.2']) {
      const r = loadRecording(variant);
      const attempts = createCalls(r).length;
      expect(attempts, variant).toBe(8);
      const w = eventWritesAbout(summarizeAuditLog(r.audit), r.sidecarUser, r.buckets[0] as string);
      expect(w.involvedObject, variant).toBe(`Bucket/${r.buckets[0]}`);
      expect(w.reasons, variant).toEqual(['FailedCreateBucket']);
      expect(w.creates, variant).toEqual({ 201: 1 });
      expect(w.patches, variant).toEqual({ 200: attempts - 1 });
      expect(succeeded(w.creates) + succeeded(w.patches), variant).toBe(attempts);
      expect(w.lastCount, variant).toBe(attempts);
    }
  });

  it('the COSI-86 build in its own namespace: no Event about the Bucket reaches the API (refused in the client)', () => {
    const r = loadRecording('v1alpha1-cosi86');
    expect(createCalls(r)).toHaveLength(8);
    const s = summarizeAuditLog(r.audit);
    const w = eventWritesAbout(s, r.sidecarUser, r.buckets[0] as string);
    expect(requests(w.creates) + requests(w.patches)).toBe(0);
    // It did write: its leader Lease and the Event about taking it.
    expect(s.leases.some((l) => l.user === r.sidecarUser && succeeded(l.writes) >= 1)).toBe(true);
    expect(s.events.some((e) => e.user === r.sidecarUser && e.involvedObject.startsWith('Lease/'))).toBe(
      true,
    );
  });

  it('the COSI-86 build in default: every failed create lands as an Event write', () => {
    const r = loadRecording('v1alpha1-cosi86-in-default');
    const attempts = createCalls(r).length;
    expect(attempts).toBe(8);
    const w = eventWritesAbout(summarizeAuditLog(r.audit), r.sidecarUser, r.buckets[0] as string);
    expect(succeeded(w.creates) + succeeded(w.patches)).toBe(attempts);
  });

  it('v1alpha2: the sidecar writes the Bucket once (finalizer) and its status once (status.error) for one attempt', () => {
    const r = loadRecording('v1alpha2-main');
    expect(createCalls(r)).toHaveLength(1);
    const s = summarizeAuditLog(r.audit);
    const bucket = writesTo(s, r.sidecarUser, 'buckets', r.buckets[0] as string);
    expect(bucket.statusWrites).toEqual({ 200: 1 });
    expect(bucket.objectWrites).toEqual({ 200: 1 });
    // The controller, not the sidecar, created the Bucket.
    expect(writesTo(s, r.controllerUser, 'buckets', r.buckets[0] as string).creates).toEqual({ 201: 1 });
    expect(bucket.creates).toEqual({});
  });

  it('v0.1.0 writes nothing about the Bucket per attempt (no status, no Event)', () => {
    const r = loadRecording('v1alpha1-v0.1.0');
    const s = summarizeAuditLog(r.audit);
    const name = r.buckets[0] as string;
    const b = writesTo(s, r.sidecarUser, 'buckets', name);
    expect(requests(b.statusWrites) + requests(b.objectWrites)).toBe(0);
    expect(requests(eventWritesAbout(s, r.sidecarUser, name).creates)).toBe(0);
  });

  it('attributes a count PATCH (merge or JSON patch) to its Event by name, and counts writes by code', () => {
    const line = (verb: string, code: number, body?: object | object[]) =>
      JSON.stringify({
        stage: 'ResponseComplete',
        verb,
        user: { username: 'u' },
        objectRef: { resource: 'events', namespace: 'default', name: 'b1.18ecb8', apiVersion: 'v1' },
        responseStatus: { code },
        requestObject: body,
      });
    const text = [
      line('create', 201, { involvedObject: { kind: 'Bucket', name: 'b1' }, reason: 'R', count: 1 }),
      // A second create of the same Event (client-go's cache lost it): AlreadyExists.
      line('create', 409, { involvedObject: { kind: 'Bucket', name: 'b1' }, reason: 'R', count: 1 }),
      line('patch', 200, { count: 2 }),
      line('patch', 200, [{ op: 'replace', path: '/count', value: 3 }]),
      line('patch', 422, { count: 9 }),
      JSON.stringify({
        stage: 'RequestReceived',
        verb: 'patch',
        objectRef: { resource: 'events', name: 'b1.x' },
      }),
      '{"torn',
    ].join('\n');
    const s = summarizeAuditLog(text);
    expect(s.unreadableLines).toBe(1);
    expect(s.events).toEqual([
      {
        user: 'u',
        involvedObject: 'Bucket/b1',
        reasons: ['R'],
        creates: { 201: 1, 409: 1 },
        patches: { 200: 2, 422: 1 },
        lastCount: 3,
      },
    ]);
  });
});
