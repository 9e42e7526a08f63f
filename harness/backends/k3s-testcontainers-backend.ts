import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendHandle, ClusterBackend } from './cluster-backend.ts';
import { type CommandRunner, ExecaCommandRunner } from './command-runner.ts';
import { ExistingClusterBackend, type ExistingClusterBackendOptions } from './existing-cluster-backend.ts';

/** A started k3s server: its kubeconfig, a way to put a saved image into its containerd, and stop. */
export interface StartedK3s {
  kubeconfig: string;
  importImage(tarPath: string): Promise<void>;
  stop(): Promise<void>;
}

/** Default k3s image; any rancher/k3s tag works. */
export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.31.2-k3s1';

export interface K3sBackendOptions
  extends Omit<ExistingClusterBackendOptions, 'kubeconfig' | 'context' | 'runner'> {
  /** rancher/k3s image; default DEFAULT_K3S_IMAGE. */
  image?: string;
  /** Leave the container running after stop(); default false (testcontainers' reaper still removes it at exit). */
  keep?: boolean;
  runner?: CommandRunner;
  /** Starts the k3s container; default @testcontainers/k3s (a devDependency, imported on first use). */
  startK3s?: (image: string) => Promise<StartedK3s>;
}

/** K3sContainer from @testcontainers/k3s; its containerd imports images with `ctr images import`. */
export async function startK3sWithTestcontainers(image: string): Promise<StartedK3s> {
  const { K3sContainer } = await import('@testcontainers/k3s');
  const container = await new K3sContainer(image).start();
  return {
    kubeconfig: container.getKubeConfig(),
    async importImage(tarPath: string) {
      const target = '/tmp/cosi-chaos-image.tar';
      await container.copyFilesToContainer([{ source: tarPath, target }]);
      const res = await container.exec(['ctr', 'images', 'import', target]);
      if (res.exitCode !== 0)
        throw new Error(`ctr images import ${tarPath} in k3s exited ${res.exitCode}: ${res.output}`);
    },
    async stop() {
      await container.stop();
    },
  };
}

/**
 * The suite on k3s in Docker: start a K3sContainer, import the image archives built here into its containerd,
 * then the same per-release install as the existing-cluster backend. Needs a Docker engine.
 */
export class K3sTestcontainersBackend implements ClusterBackend {
  readonly name = 'k3s' as const;

  constructor(private readonly opts: K3sBackendOptions) {}

  async up(): Promise<BackendHandle> {
    const runner = this.opts.runner ?? new ExecaCommandRunner();
    const { workDir } = this.opts;
    await mkdir(workDir, { recursive: true });
    const k3s = await (this.opts.startK3s ?? startK3sWithTestcontainers)(
      this.opts.image ?? DEFAULT_K3S_IMAGE,
    );
    const stopK3s = () => (this.opts.keep ? Promise.resolve() : k3s.stop());
    let inner: BackendHandle;
    try {
      // Built here, never pulled: every image goes into k3s's containerd from its archive.
      for (const archive of this.opts.images.archives ?? []) await k3s.importImage(archive);
      const kubeconfig = join(workDir, 'k3s-container.kubeconfig');
      await writeFile(kubeconfig, k3s.kubeconfig, { mode: 0o600 });
      inner = await new ExistingClusterBackend({ ...this.opts, runner, kubeconfig }, 'k3s').up();
    } catch (err) {
      await stopK3s().catch(() => undefined);
      throw err;
    }
    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        try {
          await inner.stop();
        } finally {
          await stopK3s();
        }
      })();
      return stopped;
    };
    return {
      backend: 'k3s',
      kubeconfigPath: inner.kubeconfigPath,
      namespace: inner.namespace,
      driverAdminUrl: (variant) => inner.driverAdminUrl(variant),
      collectLogs: (dir) => inner.collectLogs(dir),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
}
