import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RuleSpec } from '../../mock-driver/index.ts';
import { MockDriverProcess } from '../driver/mock-driver-process.ts';
import type { ConformComponent } from './conform-results.ts';
import type { BackendControl, ConformTarget, TargetBucket } from './conform-target.ts';

/** Name the mock gives on DriverGetInfo in a conformance run. */
export const MOCK_CONFORM_DRIVER_NAME = 'conform.mock.cosi-chaos.io';

// The mock's backend is its in-process store: "stopped" is a rule answering Unavailable to every call, what a
// driver whose backend is down should answer.
const BACKEND_STOPPED: RuleSpec = {
  name: 'cosi-chaos/conform-backend-stopped',
  action: {
    error: { code: 'Unavailable', message: 'object store backend stopped (conform: backend-stopped)' },
  },
};

/**
 * The mock driver as the suite's reference, in a child process of its own (both eras on one socket). The harness
 * owns its store: objects are seeded through the admin API, and a stopped backend is a rule. `setRules` puts
 * rules in front of the store (the mutation test makes it answer wrongly through them).
 */
export class MockConformTarget implements ConformTarget {
  readonly description = 'cosi-chaos mock driver (reference; its in-memory store as the backend)';
  readonly noBackendControlReason = '';
  readonly components: readonly ConformComponent[] = [
    { name: 'mock-driver', version: 'this checkout', source: 'mock-driver/ of cosi-chaos' },
  ];
  readonly backend: BackendControl;
  private rules: RuleSpec[] = [];
  private stopped = false;

  private constructor(private readonly driver: MockDriverProcess) {
    this.backend = {
      source: 'harness',
      makeBucketNonEmpty: (b) => this.seed(b, 1),
      emptyBucket: (b) => this.seed(b, 0),
      stopBackend: async () => {
        this.stopped = true;
        await this.putRules();
        return 'mock store stopped: every call answered Unavailable from now on';
      },
    };
  }

  static async start(opts: { workDir: string; id?: string }): Promise<MockConformTarget> {
    await mkdir(opts.workDir, { recursive: true });
    const id = opts.id ?? 'conform';
    // Its readiness is the 'listening' line of its log, which is appended to: an old log would read ready at once.
    await rm(join(opts.workDir, `driver-${id}.log`), { force: true });
    const driver = await MockDriverProcess.start({
      id,
      driverName: MOCK_CONFORM_DRIVER_NAME,
      rules: [],
      workDir: opts.workDir,
    });
    return new MockConformTarget(driver);
  }

  get address(): string {
    return `unix:${this.driver.socketPath}`;
  }

  /** Rules in front of the store from now on (replacing earlier ones); the backend-stopped rule stays. */
  async setRules(rules: RuleSpec[]): Promise<void> {
    this.rules = rules;
    await this.putRules();
  }

  /** The buckets in the mock's store now (what a run left behind shows here, whatever the run reported). */
  async storedBuckets(): Promise<string[]> {
    return (await this.driver.admin.backendBuckets()).map((b) => b.bucketName);
  }

  /** An empty store and journal, no rules, the backend running: a fresh driver for the next run. */
  async reset(): Promise<void> {
    this.rules = [];
    this.stopped = false;
    await this.putRules();
    await this.admin('POST', '/reset', '');
  }

  async stop(): Promise<void> {
    await this.driver.stop();
  }

  private async seed(bucket: TargetBucket, objects: number): Promise<string> {
    await this.admin('POST', '/seed', JSON.stringify({ objects: { [bucket.name]: objects } }));
    const held = (await this.driver.admin.backendBuckets()).find((b) => b.bucketName === bucket.name);
    return `mock store: ${bucket.name} holds ${held?.objects ?? 'no'} object(s)`;
  }

  private putRules(): Promise<void> {
    const rules = [...this.rules, ...(this.stopped ? [BACKEND_STOPPED] : [])];
    return this.admin('PUT', '/rules', stringify({ rules }));
  }

  private async admin(method: string, path: string, body: string): Promise<void> {
    const res = await fetch(`${this.driver.admin.baseUrl}${path}`, {
      method,
      body,
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok)
      throw new Error(`mock driver admin ${method} ${path}: HTTP ${res.status}: ${await res.text()}`);
  }
}
