import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive as alive } from '../process/process-alive.ts';

/**
 * One single-node cluster per machine at a time: kubelet's port 10250, kube-proxy's KUBE-* chains and the
 * ClusterIP 10.0.0.1 are the host's, not the cluster's. The lock names its owner's pid: first the harness's,
 * then the reaper's, so it stays held until a killed harness's reaper has finished cleaning up.
 */
export const NODE_HOST_LOCK = join(tmpdir(), 'cosi-chaos-node-cluster.lock');

const ownerFile = (lock: string) => join(lock, 'pid');

/** The machine's node-cluster lock, held by this process until `handOver` or `release`. */
export class NodeHostLock {
  private constructor(
    readonly dir: string,
    private owner: number,
  ) {}

  /** Waits for the lock (a lock whose owner is gone is taken over); `onWait` is told once whom it waits for. */
  static async acquire(dir = NODE_HOST_LOCK, onWait?: (ownerPid: number) => void): Promise<NodeHostLock> {
    let told = false;
    for (;;) {
      try {
        await mkdir(dir);
        await writeFile(ownerFile(dir), String(process.pid));
        return new NodeHostLock(dir, process.pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(await readFile(ownerFile(dir), 'utf8').catch(() => '0'));
        if (owner && !alive(owner)) {
          await rm(dir, { recursive: true, force: true });
          continue;
        }
        if (owner && !told) {
          onWait?.(owner);
          told = true;
        }
        await sleep(500);
      }
    }
  }

  /** Makes `pid` (the reaper) the owner: the lock then outlives this process until that one exits. */
  async handOver(pid: number): Promise<void> {
    await writeFile(ownerFile(this.dir), String(pid));
    this.owner = pid;
  }

  /** Idempotent: removes the lock if it is still ours. */
  async release(): Promise<void> {
    const owner = Number(await readFile(ownerFile(this.dir), 'utf8').catch(() => '0'));
    if (owner === this.owner) await rm(this.dir, { recursive: true, force: true });
  }
}
