import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { reservePort } from '../process/free-port.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import { connects } from './listener-probe.ts';

export interface VersityGwOptions {
  binary: string;
  /** Used for file and component names. */
  id: string;
  workDir: string;
  /**
   * Accounts beside the root one come from this folder (`--iam-dir`): where `versitygw iam` (VersityGwIamProcess)
   * writes the users and keys a driver's grant creates, so that the S3 gateway can know them.
   */
  iamDir?: string;
  readyTimeoutMs?: number;
}

// Fixed, local-only credentials: the servers listen on loopback for this run alone.
export const VERSITYGW_ROOT = { accessKey: 'cosichaosadmin', secretKey: 'cosichaos-secret-key' };

/** A real S3 server on loopback (versitygw, posix backend): each bucket is a directory under `dataDir`. */
export class VersityGwProcess {
  private constructor(
    readonly endpoint: string,
    readonly dataDir: string,
    readonly accessKey: string,
    readonly secretKey: string,
    private readonly proc: ManagedProcess,
    private readonly releasePort: () => void,
  ) {}

  static async start(opts: VersityGwOptions): Promise<VersityGwProcess> {
    const dataDir = join(opts.workDir, `versitygw-${opts.id}-data`);
    await mkdir(dataDir, { recursive: true });
    const port = await reservePort();
    const { accessKey, secretKey } = VERSITYGW_ROOT;
    const address = `127.0.0.1:${port.port}`;
    const proc = ManagedProcess.start({
      component: `versitygw/${opts.id}`,
      binary: opts.binary,
      args: [
        '--access',
        accessKey,
        '--secret',
        secretKey,
        '--port',
        address,
        ...(opts.iamDir ? ['--iam-dir', opts.iamDir] : []),
        'posix',
        dataDir,
      ],
      logFile: join(opts.workDir, `versitygw-${opts.id}.log`),
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
    return new VersityGwProcess(address, dataDir, accessKey, secretKey, proc, () => port.release());
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  private stopped = false;

  /** Idempotent: the error-mapping report stops the server mid-run, and its cleanup stops it again. */
  async stop(): Promise<void> {
    await this.proc.stop();
    if (!this.stopped) this.releasePort();
    this.stopped = true;
  }
}
