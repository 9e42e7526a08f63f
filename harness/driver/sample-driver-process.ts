import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import { connects } from './listener-probe.ts';
import type { VersityGwProcess } from './versitygw-process.ts';

export interface SampleDriverOptions {
  binary: string;
  id: string;
  driverName: string;
  workDir: string;
  s3: VersityGwProcess;
  /** The sample driver's config file: `mode` ("s3:impl" talks to the S3 server), optional static `errors`. */
  config?: Record<string, unknown>;
  /** The keys it signs S3 requests with; default the server's own (other keys: the wrong-credentials failure). */
  credentials?: { accessKey: string; secretKey: string };
  readyTimeoutMs?: number;
}

/** The upstream sample COSI driver as a child process, serving v1alpha1 on a unix socket. */
export class SampleDriverProcess {
  private constructor(
    readonly socketPath: string,
    private readonly proc: ManagedProcess,
  ) {}

  static async start(opts: SampleDriverOptions): Promise<SampleDriverProcess> {
    // A short temporary directory: unix socket paths may have at most 107 bytes.
    const socketDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-sample-'));
    const socketPath = join(socketDir, 'driver.sock');
    const configPath = join(opts.workDir, `sample-driver-${opts.id}.yaml`);
    await writeFile(configPath, stringify(opts.config ?? { mode: 's3:impl' }));
    const keys = opts.credentials ?? { accessKey: opts.s3.accessKey, secretKey: opts.s3.secretKey };
    // The sample driver reads everything but its config file from the environment (see its cmd/main.go).
    const proc = ManagedProcess.start({
      component: `sample-driver/${opts.id}`,
      binary: opts.binary,
      args: ['-v=2'],
      env: {
        COSI_ENDPOINT: `unix://${socketPath}`,
        X_COSI_DRIVER_NAME: opts.driverName,
        X_COSI_CONFIG: configPath,
        S3_ENDPOINT: opts.s3.endpoint,
        S3_REGION: 'us-east-1',
        S3_SSL: 'false',
        S3_ADMIN_ACCESS_KEY_ID: keys.accessKey,
        S3_ADMIN_ACCESS_SECRET_KEY: keys.secretKey,
        S3_USER_ACCESS_KEY_ID: keys.accessKey,
        S3_USER_ACCESS_SECRET_KEY: keys.secretKey,
      },
      logFile: join(opts.workDir, `sample-driver-${opts.id}.log`),
    });
    try {
      await waitForReady(
        proc,
        'listening',
        () => connects({ path: socketPath }),
        opts.readyTimeoutMs ?? 60_000,
      );
    } catch (error) {
      await proc.stop();
      await rm(socketDir, { recursive: true, force: true });
      throw error;
    }
    return new SampleDriverProcess(socketPath, proc);
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    await rm(dirname(this.socketPath), { recursive: true, force: true });
  }
}
