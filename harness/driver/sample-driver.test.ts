import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CosiClient, connectCosiClient } from '../../mock-driver/cosi-client.ts';
import { type MockDriverHandle, startMockDriver } from '../../mock-driver/mock-driver.ts';
import { parseRules } from '../../mock-driver/rule-file.ts';
import { requests } from '../../mock-driver/test-driver.ts';
import { SAMPLE_COSI_DRIVER, VERSITYGW } from '../binaries/component-catalog.ts';
import { buildFromGoModules } from '../binaries/go-module-builder.ts';
import { SampleDriverProcess } from './sample-driver-process.ts';
import { VersityGwProcess } from './versitygw-process.ts';

// The COSI-86 claim's bucket name: 98 characters, valid for Kubernetes, too long for S3 (63).
const COSI_86_NAME = `bucket-claim-${'a'.repeat(85)}`;

// One real stack for the file: versitygw (posix backend) on loopback, the upstream sample driver in s3:impl mode
// against it, and the interposer (`cosi-chaos driver --upstream`) in front of the sample driver.
describe('the upstream sample driver against a real S3 server, through the interposer', () => {
  let workDir: string;
  let s3: VersityGwProcess;
  let sample: SampleDriverProcess;
  let interposer: MockDriverHandle;
  let client: CosiClient;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'cosi-chaos-sample-'));
    // Cached under ~/.cache/cosi-chaos after the first build (cold: about 85 s and 225 s on a busy 2-core box).
    const [sampleBinary, s3Binary] = [
      await buildFromGoModules(SAMPLE_COSI_DRIVER),
      await buildFromGoModules(VERSITYGW),
    ];
    s3 = await VersityGwProcess.start({ binary: s3Binary.path, id: 'test', workDir });
    sample = await SampleDriverProcess.start({
      binary: sampleBinary.path,
      id: 'test',
      driverName: 'sample.cosi-chaos.io',
      workDir,
      s3,
    });
    interposer = await startMockDriver({
      socketPath: join(workDir, 'interposer.sock'),
      rules: parseRules(
        `rules:
  - name: unavailable-three-times
    match: { rpc: create, bucketName: flaky-bucket }
    action:
      sequence:
        - { times: 3, action: { error: { code: Unavailable, message: injected } } }
        - { action: { backend: {} } }
`,
        'sample-driver.test.ts',
      ),
      admin: false,
      upstream: `unix://${sample.socketPath}`,
    });
    client = connectCosiClient('v1alpha1', `unix:${interposer.socketPath}`);
  }, 900_000);

  afterAll(async () => {
    client?.close();
    await interposer?.stop();
    await sample?.stop();
    await s3?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('happy path: create, grant, revoke, delete each once; the bucket appears in and leaves the data dir', async () => {
    const created = await client.call('DriverCreateBucket', requests.create('v1alpha1', 'happy-bucket'));
    expect(created.code).toBe('OK');
    const bucketId = String(created.response?.bucket_id);
    expect(existsSync(join(s3.dataDir, 'happy-bucket'))).toBe(true);
    const granted = await client.call(
      'DriverGrantBucketAccess',
      requests.grant('v1alpha1', bucketId, 'happy-account'),
    );
    expect(granted.code).toBe('OK');
    const revoked = await client.call(
      'DriverRevokeBucketAccess',
      requests.revoke('v1alpha1', bucketId, String(granted.response?.account_id)),
    );
    expect(revoked.code).toBe('OK');
    expect((await client.call('DriverDeleteBucket', requests.delete('v1alpha1', bucketId))).code).toBe('OK');
    expect(existsSync(join(s3.dataDir, 'happy-bucket'))).toBe(false);
    const happy = interposer.journal.entries({ bucketName: 'happy-bucket' });
    expect(happy.map((e) => [e.rpc, e.code, e.answeredBy])).toEqual([
      ['create', 'OK', 'driver'],
      ['grant', 'OK', 'driver'],
      ['revoke', 'OK', 'driver'],
      ['delete', 'OK', 'driver'],
    ]);
  });

  it("COSI-86's 98-character name: the sample driver answers Internal (the spec asks InvalidArgument)", async () => {
    const refused = await client.call('DriverCreateBucket', requests.create('v1alpha1', COSI_86_NAME));
    expect([refused.code, refused.message]).toEqual(['Internal', expect.stringContaining('63 characters')]);
    expect(existsSync(join(s3.dataDir, COSI_86_NAME))).toBe(false);
  });

  it("a name the S3 server rejects: Internal from the driver, with the server's 400", async () => {
    const refused = await client.call('DriverCreateBucket', requests.create('v1alpha1', 'Bad_Bucket'));
    expect(refused.code).toBe('Internal');
    expect(interposer.journal.entries({ bucketName: 'Bad_Bucket' })[0]?.answeredBy).toBe('driver');
  });

  it('a fault on top of the real driver: Unavailable 3 times from the rule, then the driver creates it', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await client.call('DriverCreateBucket', requests.create('v1alpha1', 'flaky-bucket'))).code);
    expect(codes).toEqual(['Unavailable', 'Unavailable', 'Unavailable', 'OK']);
    expect(interposer.journal.entries({ bucketName: 'flaky-bucket' }).map((e) => e.answeredBy)).toEqual([
      'rule',
      'rule',
      'rule',
      'driver',
    ]);
    expect(existsSync(join(s3.dataDir, 'flaky-bucket'))).toBe(true);
  });

  it('delete of a bucket that is not there: the sample driver answers Internal', async () => {
    const absent = await client.call(
      'DriverDeleteBucket',
      requests.delete('v1alpha1', 'never-created-bucket'),
    );
    // Measured on the pinned sample driver: Internal (the spec would have OK, delete being idempotent).
    expect([absent.code, absent.message]).toEqual(['Internal', 'The specified bucket does not exist.']);
    expect(interposer.journal.entries({ rpc: 'delete' }).at(-1)).toMatchObject({
      code: absent.code,
      answeredBy: 'driver',
    });
  });
});
