import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import { type PodNetwork, renderCniConflist } from './cni-config.ts';
import { type ContainerdPaths, renderContainerdConfig } from './containerd-config.ts';

/** The namespace the CRI plugin keeps Kubernetes' images and containers in. */
export const CRI_NAMESPACE = 'k8s.io';

/** containerd's paths under the cluster's dir (short: the socket path must stay under 108 bytes). */
export function containerdPaths(dir: string): ContainerdPaths {
  const base = join(dir, 'containerd');
  return {
    root: join(base, 'root'),
    state: join(base, 'state'),
    socket: join(base, 'containerd.sock'),
    runcRoot: join(base, 'state', 'runc'),
    cniConfDir: join(base, 'net.d'),
  };
}

/** A started containerd of the cluster's own (its CNI config written first); `stop()` leaves the shims to the clean-up. */
export class Containerd {
  private constructor(
    readonly paths: ContainerdPaths,
    readonly process: ManagedProcess,
  ) {}

  static async start(
    binary: string,
    dir: string,
    network: PodNetwork,
    readyTimeoutMs = 60_000,
  ): Promise<Containerd> {
    const paths = containerdPaths(dir);
    await mkdir(paths.cniConfDir, { recursive: true });
    await mkdir(network.ipamDataDir, { recursive: true });
    await writeFile(join(paths.cniConfDir, '10-pods.conflist'), renderCniConflist(network));
    const configFile = join(dir, 'containerd', 'config.toml');
    await writeFile(configFile, renderContainerdConfig(paths));
    const proc = ManagedProcess.start({
      component: 'containerd',
      binary,
      args: ['--config', configFile],
      // The runc shim looks runc up on PATH; Debian puts it in /usr/sbin, which a non-login PATH may lack.
      env: { PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` },
      logFile: join(dir, 'containerd.log'),
    });
    const containerd = new Containerd(paths, proc);
    try {
      await waitForReady(
        proc,
        'serving on its socket',
        async () => (await containerd.ctr(['version'], 2_000)).exitCode === 0,
        readyTimeoutMs,
        200,
      );
    } catch (err) {
      await containerd.stop();
      throw err;
    }
    return containerd;
  }

  /** Imports a docker-save or OCI archive into the CRI namespace (what kubelet sees, imagePullPolicy Never). */
  async importImage(archivePath: string): Promise<void> {
    const res = await this.ctr(['-n', CRI_NAMESPACE, 'images', 'import', archivePath], 120_000);
    if (res.exitCode !== 0)
      throw new Error(`ctr images import ${archivePath} failed (exit ${res.exitCode}): ${res.all ?? ''}`);
  }

  private ctr(args: string[], timeout: number) {
    return execa('ctr', ['--address', this.paths.socket, ...args], { reject: false, all: true, timeout });
  }

  /** SIGTERM, SIGKILL after 3 s. The shims it started live on (they daemonize): the node clean-up ends them. */
  stop(): Promise<void> {
    return this.process.stop(3_000);
  }
}
