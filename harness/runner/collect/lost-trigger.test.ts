import { describe, expect, it } from 'vitest';
import type { ObjectStatus } from '../../results/run-results.ts';
import { lostTriggerProblems } from './lost-trigger.ts';

// The objects as `inspect` read them when the existing lane lost a v0.2.2 claim deletion (2026-12-05): the claim
// terminating, held by the controller's finalizer, its Bucket never marked for deletion.
const claim: ObjectStatus = {
  kind: 'BucketClaim',
  name: 'bucket-not-empty-v1alpha1-v0-2-2',
  namespace: 'cosi-chaos',
  status: { bucketName: 'bc-1', bucketReady: false },
  deletionTimestamp: '2026-12-05T05:10:03Z',
  finalizers: ['cosi.objectstorage.k8s.io/bucketclaim-protection'],
};
const bucket: ObjectStatus = { kind: 'Bucket', name: 'bc-1', status: { bucketReady: true, bucketID: 'b-1' } };

describe('lostTriggerProblems', () => {
  it('a claim deleting whose Bucket was never marked: the controller dropped the deletion', () => {
    const [p] = lostTriggerProblems('delete-claim', [claim, bucket]);
    expect(p).toContain('has been deleting since 2026-12-05T05:10:03Z');
    expect(p).toContain('cosi.objectstorage.k8s.io/bucketclaim-protection');
    expect(p).toContain('Bucket bc-1 was never marked for deletion');
  });

  it('a Bucket deleting with no call: the sidecar never asked the driver', () => {
    const deleting = { ...bucket, deletionTimestamp: '2026-12-05T05:10:04Z', finalizers: ['f'] };
    expect(lostTriggerProblems('delete-claim', [claim, deleting])).toEqual([
      'Bucket bc-1 has been deleting since 2026-12-05T05:10:04Z (finalizers: f), and the sidecar never called DriverDeleteBucket',
    ]);
  });

  it('an access deleting with no revoke; nothing said when nothing is being deleted', () => {
    const access: ObjectStatus = {
      kind: 'BucketAccess',
      name: 'a',
      status: {},
      deletionTimestamp: 't',
      finalizers: [],
    };
    expect(lostTriggerProblems('delete-access', [access])[0]).toContain('(finalizers: none)');
    expect(lostTriggerProblems('delete-claim', [{ ...claim, deletionTimestamp: undefined }, bucket])).toEqual(
      [],
    );
    expect(lostTriggerProblems('apply', [claim, bucket])).toEqual([]);
  });
});
