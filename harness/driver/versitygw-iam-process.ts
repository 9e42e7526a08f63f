import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { reservePort } from '../process/free-port.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import { connects } from './listener-probe.ts';
import { VERSITYGW_ROOT } from './versitygw-process.ts';

export interface VersityGwIamOptions {
  binary: string;
  id: string;
  workDir: string;
  readyTimeoutMs?: number;
}

/**
 * The AWS IAM API on loopback (`versitygw iam --dir`): CreateUser, PutUserPolicy, CreateAccessKey, DeleteAccessKey,
 * DeleteUser, as a driver's grant and revoke call them. Pointed at the S3 port instead, every IAM call gets 405.
 * Its users live in `iamDir`, which the S3 gateway reads with `--iam-dir`.
 */
export class VersityGwIamProcess {
  private constructor(
    readonly endpoint: string,
    readonly iamDir: string,
    private readonly proc: ManagedProcess,
    private readonly releasePort: () => void,
  ) {}

  static async start(opts: VersityGwIamOptions): Promise<VersityGwIamProcess> {
    const iamDir = join(opts.workDir, `versitygw-${opts.id}-iam`);
    await mkdir(iamDir, { recursive: true });
    const port = await reservePort();
    const address = `127.0.0.1:${port.port}`;
    const proc = ManagedProcess.start({
      component: `versitygw-iam/${opts.id}`,
      binary: opts.binary,
      args: [
        '--access',
        VERSITYGW_ROOT.accessKey,
        '--secret',
        VERSITYGW_ROOT.secretKey,
        '--port',
        address,
        'iam',
        '--dir',
        iamDir,
      ],
      logFile: join(opts.workDir, `versitygw-iam-${opts.id}.log`),
    });
    try {
      await waitForReady(
        proc,
        `listening on ${address}`,
        () => connects({ port: port.port, host: '127.0.0.1' }),
        opts.readyTimeoutMs ?? 60_000,
      );
    } catch (error) {
      await proc.stop();
      port.release();
      throw error;
    }
    return new VersityGwIamProcess(`http://${address}`, iamDir, proc, () => port.release());
  }

  private stopped = false;

  async stop(): Promise<void> {
    await this.proc.stop();
    if (!this.stopped) this.releasePort();
    this.stopped = true;
  }
}
