import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCosiClient } from '../../mock-driver/cosi-client.ts';
import { requests } from '../../mock-driver/test-driver.ts';
import { mockDriverEntryArgs } from './mock-driver-entry.ts';
import { MockDriverProcess } from './mock-driver-process.ts';

// The driver a run starts is its cached bundle (built here into an empty cache), answering over its unix socket.
describe('MockDriverProcess', () => {
  const cache = mkdtempSync(join(tmpdir(), 'cosi-chaos-driver-cache-'));
  const work = mkdtempSync(join(tmpdir(), 'cosi-chaos-driver-work-'));
  const saved = process.env.COSI_CHAOS_CACHE;
  let driver: MockDriverProcess;

  beforeAll(async () => {
    process.env.COSI_CHAOS_CACHE = cache;
    driver = await MockDriverProcess.start({
      id: 'v1',
      driverName: 'bundle.cosi-chaos.io',
      rules: [
        {
          name: 'long',
          match: { bucketName: { minLength: 64 } },
          action: { error: { code: 'InvalidArgument' } },
        },
      ],
      workDir: work,
    });
  }, 120_000);

  afterAll(async () => {
    await driver?.stop();
    if (saved === undefined) delete process.env.COSI_CHAOS_CACHE;
    else process.env.COSI_CHAOS_CACHE = saved;
    rmSync(cache, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('runs the bundle built into the cache, beside the protos and schema it reads', async () => {
    const [bundle] = await mockDriverEntryArgs();
    expect(bundle?.startsWith(join(cache, 'mock-driver'))).toBe(true);
    expect(bundle?.endsWith('/mock-driver/driver.mjs')).toBe(true);
    const root = join(bundle as string, '..', '..');
    for (const f of ['proto/cosi.v1alpha1.proto', 'proto/cosi.v1alpha2.proto', 'schemas/rules.schema.json'])
      expect(existsSync(join(root, f)), f).toBe(true);
  });

  it('answers by its rules and journals each call', async () => {
    const client = connectCosiClient('v1alpha1', `unix:${driver.socketPath}`);
    try {
      const long = await client.call('DriverCreateBucket', requests.create('v1alpha1', 'x'.repeat(98)));
      expect(long.code).toBe('InvalidArgument');
      const ok = await client.call('DriverCreateBucket', requests.create('v1alpha1', 'short'));
      expect(ok.code).toBe('OK');
    } finally {
      client.close();
    }
    const journal = await driver.admin.journal({ sinceSeq: 0 });
    expect(journal.map((c) => [c.bucketName?.length, c.rule ?? '-', c.code])).toEqual([
      [98, 'long', 'InvalidArgument'],
      [5, '-', 'OK'],
    ]);
  });
});
