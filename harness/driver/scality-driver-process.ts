import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type PortReservation, reservePort } from '../process/free-port.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import { type InClusterAccess, inClusterLaunch } from './in-cluster-identity.ts';
import { connects } from './listener-probe.ts';

export interface ScalityDriverOptions {
  binary: string;
  /** Used for file and component names. */
  id: string;
  workDir: string;
  /** The ServiceAccount it runs as: it reads its Secret and GETs Buckets through the API server. */
  access: InClusterAccess;
  readyTimeoutMs?: number;
}

/**
 * The Scality COSI driver (github.com/scality/cosi-driver, cosi.v1alpha1) as a child process with in-cluster
 * config, serving on a unix socket, its Prometheus metrics on a free loopback port (its default is :8080).
 */
export class ScalityDriverProcess {
  private constructor(
    readonly socketPath: string,
    readonly metricsUrl: string,
    private readonly proc: ManagedProcess,
    private readonly port: PortReservation,
  ) {}

  static async start(opts: ScalityDriverOptions): Promise<ScalityDriverProcess> {
    // A short temporary directory: unix socket paths may have at most 107 bytes.
    const socketDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-scality-'));
    const socketPath = join(socketDir, 'driver.sock');
    const port = await reservePort();
    const launch = await inClusterLaunch(
      opts.access,
      join(opts.workDir, `scality-${opts.id}-serviceaccount`),
      {
        binary: opts.binary,
        args: [
          `--driver-address=unix://${socketPath}`,
          `--driver-metrics-address=127.0.0.1:${port.port}`,
          // Level 2: each request and its outcome; 5 would log every request whole.
          '--v=2',
        ],
        env: {},
      },
    );
    const proc = ManagedProcess.start({
      component: `scality-driver/${opts.id}`,
      ...launch,
      // Set on some machines: with it, every call fails Internal "unable to add custom RootCAs".
      unsetEnv: ['AWS_CA_BUNDLE'],
      logFile: join(opts.workDir, `scality-driver-${opts.id}.log`),
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
      port.release();
      await rm(socketDir, { recursive: true, force: true });
      throw error;
    }
    return new ScalityDriverProcess(socketPath, `http://127.0.0.1:${port.port}/metrics`, proc, port);
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  private stopped = false;

  async stop(): Promise<void> {
    await this.proc.stop();
    if (!this.stopped) this.port.release();
    this.stopped = true;
    await rm(dirname(this.socketPath), { recursive: true, force: true });
  }
}
