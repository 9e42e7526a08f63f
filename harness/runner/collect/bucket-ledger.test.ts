import { describe, expect, it } from 'vitest';
import { countBuckets } from './bucket-ledger.ts';

// Shapes as a real run records them (status-write-always-fails, delete-during-create-retry on v0.2.2): the
// sidecar passes the Bucket object's name to DriverCreateBucket, the mock backend is idempotent by that name.
const bucket = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, finalizers: ['cosi.objectstorage.k8s.io/bucket-protection'] },
  spec: { bucketClaim: { name: 'claim', namespace: 'default' } },
  status: { bucketReady: false },
  ...extra,
});
const claim = { metadata: { name: 'claim', namespace: 'default' } };
const ok = (bucketName: string) => ({ bucketName, code: 'OK' });

describe('bucket ledger', () => {
  it('counts repeated OK creates on one name as one bucket: no duplicate, the Bucket not ready', () => {
    const l = countBuckets({
      claims: 1,
      claimsPresent: [claim],
      createCalls: [ok('b-1'), ok('b-1'), ok('b-1')],
      backend: [{ bucketName: 'b-1', successfulCreates: 3 }],
      apiBuckets: [bucket('b-1')],
    });
    expect(l).toMatchObject({
      createCalls: 3,
      createCallsPerClaimMax: 3,
      bucketsCreated: 1,
      duplicates: 0,
      repeatedCreatesOk: 2,
      bucketsNotReady: 1,
      finalizersLeft: 0,
    });
    // The claim still exists: orphans are not counted yet.
    expect(l.orphans).toBeUndefined();
  });

  it('a second name for one claim is a duplicate; a failed create creates nothing', () => {
    const l = countBuckets({
      claims: 1,
      claimsPresent: [claim],
      createCalls: [ok('b-1'), { bucketName: 'b-2', code: 'Unavailable' }, ok('b-2')],
      backend: [
        { bucketName: 'b-1', successfulCreates: 1 },
        { bucketName: 'b-2', successfulCreates: 1 },
      ],
      apiBuckets: [],
    });
    expect(l.bucketsCreated).toBe(2);
    expect(l.duplicates).toBe(1);
    expect(l.repeatedCreatesOk).toBe(0);
    expect(l.createCallsPerClaimMax).toBe(2);
  });

  it('once the claim is gone, a bucket left in the backend is an orphan and finalizers left are counted', () => {
    const leaked = countBuckets({
      claims: 1,
      claimsPresent: [],
      createCalls: [ok('b-1')],
      backend: [{ bucketName: 'b-1', successfulCreates: 1 }],
      apiBuckets: [bucket('b-1')],
    });
    expect(leaked).toMatchObject({ claimsDeleted: 1, orphans: 1, finalizersLeft: 1 });
    const cleaned = countBuckets({
      claims: 1,
      claimsPresent: [],
      createCalls: [ok('b-1')],
      backend: [],
      apiBuckets: [],
    });
    expect(cleaned).toMatchObject({ orphans: 0, finalizersLeft: 0, bucketsCreated: 1, bucketsInBackend: 0 });
  });
});
