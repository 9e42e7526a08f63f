import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type PortReservation, reservePort } from '../process/free-port.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';

/** A started etcd on loopback ports with its own data dir. */
const STOP_GRACE_MS = 250;

export class Etcd {
  private constructor(
    readonly clientUrl: string,
    private readonly proc: ManagedProcess,
    private readonly ports: PortReservation[],
    private readonly dataDir: string,
  ) {}

  /** Starts etcd (fsync off: the data dir is thrown away) and waits for /health. */
  static async start(binary: string, workDir: string, readyTimeoutMs = 60_000): Promise<Etcd> {
    const client = await reservePort();
    const peer = await reservePort();
    const dataDir = join(workDir, 'etcd-data');
    await mkdir(dataDir, { recursive: true });
    const clientUrl = `http://127.0.0.1:${client.port}`;
    const peerUrl = `http://127.0.0.1:${peer.port}`;
    const proc = ManagedProcess.start({
      component: 'etcd',
      binary,
      args: [
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync=true',
        // One member on loopback: elect itself after 100 ms rather than etcd's default second.
        '--heartbeat-interval=10',
        '--election-timeout=100',
        '--log-level=warn',
      ],
      logFile: join(workDir, 'etcd.log'),
    });
    const etcd = new Etcd(clientUrl, proc, [client, peer], dataDir);
    try {
      await waitForReady(
        proc,
        'healthy',
        async () => {
          const res = await fetch(`${clientUrl}/health`);
          return res.ok && ((await res.json()) as { health?: string }).health === 'true';
        },
        readyTimeoutMs,
      );
    } catch (err) {
      await etcd.stop();
      throw err;
    }
    return etcd;
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  /**
   * Stops etcd and removes its data dir. The data is thrown away with the run (the audit log and API journal beside
   * it are the record), so no graceful shutdown; and each dir holds a 64 MB preallocated WAL: a suite's 57 of them
   * left in its logs folder were 3.5 GB, and a CI machine's disk filled up.
   */
  async stop(): Promise<void> {
    await this.proc.stop(STOP_GRACE_MS);
    for (const p of this.ports) p.release();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
