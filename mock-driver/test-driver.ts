import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CosiClient, connectCosiClient } from './cosi-client.ts';
import type { CosiEra } from './cosi-protos.ts';
import { type MockDriverHandle, type MockDriverOptions, startMockDriver } from './mock-driver.ts';
import { parseRules } from './rule-file.ts';

// Test fixture: a real driver on a unix socket in a fresh temp dir, plus real gRPC clients for both eras.
export interface TestDriver {
  dir: string;
  driver: MockDriverHandle;
  clients: Record<CosiEra, CosiClient>;
  // Replace rules from YAML text.
  rules(yaml: string): void;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startTestDriver(
  yaml = 'rules: []',
  options: Partial<MockDriverOptions> = {},
): Promise<TestDriver> {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-md-'));
  const driver = await startMockDriver({
    socketPath: join(dir, 'cosi.sock'),
    driverName: 'test.cosi-chaos.io',
    rules: parseRules(yaml, 'test-rules.yaml'),
    ...options,
  });
  const target = `unix:${driver.socketPath}`;
  const clients = {
    v1alpha1: connectCosiClient('v1alpha1', target),
    v1alpha2: connectCosiClient('v1alpha2', target),
  };
  return {
    dir,
    driver,
    clients,
    rules: (text) => driver.replaceRules(parseRules(text, 'test-rules.yaml')),
    async [Symbol.asyncDispose]() {
      clients.v1alpha1.close();
      clients.v1alpha2.close();
      await driver.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Era-neutral request builders, so one test body exercises both wire formats.
export const requests = {
  create: (era: CosiEra, name: string, parameters: Record<string, string> = {}) =>
    era === 'v1alpha1' ? { name, parameters } : { name, parameters, protocols: [{ type: 'S3' }] },
  delete: (era: CosiEra, bucketId: string, parameters: Record<string, string> = {}) =>
    era === 'v1alpha1'
      ? { bucket_id: bucketId, delete_context: parameters }
      : { bucket_id: bucketId, parameters },
  grant: (era: CosiEra, bucketId: string, account: string, parameters: Record<string, string> = {}) =>
    era === 'v1alpha1'
      ? { bucket_id: bucketId, name: account, authentication_type: 'Key', parameters }
      : {
          account_name: account,
          protocol: { type: 'S3' },
          authentication_type: { type: 'KEY' },
          parameters,
          buckets: [{ bucket_id: bucketId }],
        },
  revoke: (era: CosiEra, bucketId: string, accountId: string, parameters: Record<string, string> = {}) =>
    era === 'v1alpha1'
      ? { bucket_id: bucketId, account_id: accountId, revoke_access_context: parameters }
      : { account_id: accountId, parameters, buckets: [{ bucket_id: bucketId }] },
};
