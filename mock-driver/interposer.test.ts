import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COSI_ERAS } from './cosi-protos.ts';
import { bucketIdFor } from './object-store-backend.ts';
import { requests, startTestDriver } from './test-driver.ts';

// The "real driver" here is a second mock driver process-in-process on its own unix socket: the interposer only
// sees gRPC, so it cannot tell. The sample driver itself is exercised by the real-driver tests.
describe.each(COSI_ERAS)('interposer in front of a real driver over unix sockets, era %s', (era) => {
  it('forwards calls no rule takes and journals the driver as the answerer, with its code and latency', async () => {
    await using upstream = await startTestDriver('rules: []\nseed: { objects: { full: 1 } }\n', {
      admin: false,
    });
    await using t = await startTestDriver('rules: []', { upstream: `unix://${upstream.driver.socketPath}` });
    const client = t.clients[era];
    const info = await client.call('DriverGetInfo', {});
    expect(info.response?.name).toBe('test.cosi-chaos.io');
    const created = await client.call('DriverCreateBucket', requests.create(era, 'b1', { tier: 'gold' }));
    expect(created.response?.bucket_id).toBe(bucketIdFor('b1'));
    const conflict = await client.call('DriverCreateBucket', requests.create(era, 'b1', { tier: 'silver' }));
    expect(conflict.code).toBe('AlreadyExists');
    const full = await client.call('DriverCreateBucket', requests.create(era, 'full'));
    const refused = await client.call(
      'DriverDeleteBucket',
      requests.delete(era, String(full.response?.bucket_id)),
    );
    expect(refused.code).toBe('FailedPrecondition');
    // The delete named only a bucket id; the interposer learned it from the driver's create answer.
    const entries = t.driver.journal.entries();
    expect(entries.map((e) => [e.rpc, e.bucketName ?? '', e.code, e.answeredBy])).toEqual([
      ['getInfo', '', 'OK', 'driver'],
      ['create', 'b1', 'OK', 'driver'],
      ['create', 'b1', 'AlreadyExists', 'driver'],
      ['create', 'full', 'OK', 'driver'],
      ['delete', 'full', 'FailedPrecondition', 'driver'],
    ]);
    expect(entries[2]?.message).toBe(upstream.driver.journal.entries()[2]?.message);
    for (const entry of entries) expect(entry.driverLatencyMs).toBeGreaterThan(0);
    // Every call reached the real driver exactly once.
    expect(upstream.driver.journal.entries()).toHaveLength(5);
  });

  it("strips the harness's own parameters before forwarding, after its rules matched on them", async () => {
    await using upstream = await startTestDriver('rules: []', { admin: false });
    await using t = await startTestDriver(
      `rules:
  - name: scoped-to-scenario-a
    match: { rpc: create, parameters: { "cosi-chaos.io/scenario": { equals: a } } }
    action: { error: { code: Unavailable, message: injected } }
`,
      { upstream: `unix://${upstream.driver.socketPath}` },
    );
    const client = t.clients[era];
    const own = { tier: 'gold', 'cosi-chaos.io/scenario': 'a' };
    expect((await client.call('DriverCreateBucket', requests.create(era, 'b-a', own))).code).toBe(
      'Unavailable',
    );
    const b = { tier: 'gold', 'cosi-chaos.io/scenario': 'b', 'cosi-chaos.io/setup': 'x' };
    const created = await client.call('DriverCreateBucket', requests.create(era, 'b-b', b));
    expect(created.code).toBe('OK');
    const bucketId = String(created.response?.bucket_id);
    await client.call('DriverGrantBucketAccess', requests.grant(era, bucketId, 'acct', b));
    await client.call('DriverDeleteBucket', requests.delete(era, bucketId, b));
    // The interposer journals what the sidecar sent; the driver got the same requests without the harness's keys.
    expect(t.driver.journal.entries().find((e) => e.rpc === 'create' && e.code === 'OK')?.parameters).toEqual(
      b,
    );
    const seen = upstream.driver.journal.entries().map((e) => [e.rpc, e.parameters]);
    expect(seen).toEqual([
      ['create', { tier: 'gold' }],
      ['grant', { tier: 'gold' }],
      ['delete', { tier: 'gold' }],
    ]);
  });

  it('applies rules first: Unavailable 3 times, then the real driver answers', async () => {
    await using upstream = await startTestDriver('rules: []', { admin: false });
    await using t = await startTestDriver(
      `rules:
  - name: unavailable-three-times
    match: { rpc: create }
    action:
      sequence:
        - { times: 3, action: { error: { code: Unavailable, message: injected } } }
        - { action: { backend: {} } }
`,
      { upstream: `unix://${upstream.driver.socketPath}` },
    );
    const codes: string[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await t.clients[era].call('DriverCreateBucket', requests.create(era, 'flaky'))).code);
    expect(codes).toEqual(['Unavailable', 'Unavailable', 'Unavailable', 'OK']);
    expect(t.driver.journal.entries().map((e) => [e.code, e.answeredBy, e.rule])).toEqual([
      ['Unavailable', 'rule', 'unavailable-three-times'],
      ['Unavailable', 'rule', 'unavailable-three-times'],
      ['Unavailable', 'rule', 'unavailable-three-times'],
      ['OK', 'driver', 'unavailable-three-times'],
    ]);
    expect(upstream.driver.journal.entries().map((e) => [e.rpc, e.callNumber, e.code])).toEqual([
      ['create', 1, 'OK'],
    ]);
  });

  it('passes the deadline on: a slow driver gives DeadlineExceeded, journaled at both ends', async () => {
    await using upstream = await startTestDriver(
      'rules:\n  - { name: slow, match: { rpc: create }, action: { delay: { ms: 3000 } } }\n',
      { admin: false },
    );
    await using t = await startTestDriver('rules: []', { upstream: `unix://${upstream.driver.socketPath}` });
    const slow = await t.clients[era].call('DriverCreateBucket', requests.create(era, 'slow'), {
      deadlineMs: 400,
    });
    expect(slow.code).toBe('DeadlineExceeded');
    await expect
      .poll(() => t.driver.journal.entries().map((e) => [e.code, e.answeredBy]))
      .toEqual([['DeadlineExceeded', 'driver']]);
    // The driver got the deadline with the call (well under its 3 s delay) and gave up on it too.
    await expect
      .poll(() => upstream.driver.journal.entries().map((e) => e.code), { timeout: 2000 })
      .toEqual(['DeadlineExceeded']);
  });

  it('a dead driver answers Unavailable, journaled as the driver', async () => {
    await using t = await startTestDriver('rules: []', {
      upstream: `unix://${join('/tmp', `cosi-chaos-nobody-${process.pid}.sock`)}`,
    });
    const dead = await t.clients[era].call('DriverCreateBucket', requests.create(era, 'orphan'));
    expect(dead.code).toBe('Unavailable');
    expect(t.driver.journal.entries().map((e) => [e.code, e.answeredBy])).toEqual([
      ['Unavailable', 'driver'],
    ]);
  });
});
