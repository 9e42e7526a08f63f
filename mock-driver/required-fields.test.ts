import { describe, expect, it } from 'vitest';
import { COSI_ERAS } from './cosi-protos.ts';
import { requests, startTestDriver } from './test-driver.ts';

// The COSI specs ask INVALID_ARGUMENT for a REQUIRED field missing from a request (v1alpha1 spec.md, Error
// Scheme: "Missing required field | 3"; v1alpha2: "A field noted as REQUIRED MUST be specified" and "Invalid or
// unsupported field in the request | 3 INVALID_ARGUMENT"). proto3 sends a missing string as ''. The mock used to
// create a bucket named '' and answer OK to deletes and revokes of '' (found by `cosi-chaos conform`).
describe.each(COSI_ERAS)('mock driver, required fields left empty, era %s', (era) => {
  it('answers InvalidArgument to every RPC whose required name or id is empty, and stores nothing', async () => {
    await using t = await startTestDriver();
    const client = t.clients[era];
    const made = await client.call('DriverCreateBucket', requests.create(era, 'kept'));
    const id = String(made.response?.bucket_id);
    const calls: [string, object][] = [
      ['DriverCreateBucket', requests.create(era, '')],
      ['DriverDeleteBucket', requests.delete(era, '')],
      ['DriverGrantBucketAccess', requests.grant(era, '', 'account')],
      ['DriverGrantBucketAccess', requests.grant(era, id, '')],
      ['DriverRevokeBucketAccess', requests.revoke(era, '', 'acct-1')],
      ['DriverRevokeBucketAccess', requests.revoke(era, id, '')],
    ];
    for (const [method, request] of calls) {
      const answer = await client.call(method, request);
      expect([method, answer.code], JSON.stringify(request)).toEqual([method, 'InvalidArgument']);
      expect(answer.message).toMatch(/is REQUIRED and was empty$/);
    }
    expect(t.driver.orphans().map((b) => b.bucketName)).toEqual(['kept']);
  });

  it('still answers OK for the same calls with every field given', async () => {
    await using t = await startTestDriver();
    const client = t.clients[era];
    const made = await client.call('DriverCreateBucket', requests.create(era, 'b'));
    const id = String(made.response?.bucket_id);
    const granted = await client.call('DriverGrantBucketAccess', requests.grant(era, id, 'account'));
    const accountId = String(granted.response?.account_id);
    expect(granted.code).toBe('OK');
    expect((await client.call('DriverRevokeBucketAccess', requests.revoke(era, id, accountId))).code).toBe(
      'OK',
    );
    expect((await client.call('DriverDeleteBucket', requests.delete(era, id))).code).toBe('OK');
  });
});
