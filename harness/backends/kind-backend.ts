import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendHandle, ClusterBackend, StackImages, StackVariant } from './cluster-backend.ts';
import { type CommandRunner, ExecaCommandRunner } from './command-runner.ts';
import { ExistingClusterBackend } from './existing-cluster-backend.ts';
import { variantSuffix } from './stack-names.ts';

export interface KindBackendOptions {
  /** Driver + sidecar pairs of one release, one Deployment each. */
  variants: StackVariant[];
  /** Images to deploy; their archives (`cosi-chaos images`) are loaded into the nodes with `kind load image-archive`. */
  images: StackImages;
  /** Kubeconfig, generated manifests and failure logs go here (a folder of the results dir). */
  workDir: string;
  /** kind cluster name; default "cosi-chaos". An existing cluster of that name is reused. */
  clusterName?: string;
  /** Leave the cluster running after stop() (and after a failed up()); default false. */
  keep?: boolean;
  /** kind node image (`kind create cluster --image`); default kind's. */
  nodeImage?: string;
  /** `kubectl rollout status --timeout`; default 180 s. */
  rolloutTimeoutSeconds?: number;
  runner?: CommandRunner;
}

/**
 * The suite on kind: create (or reuse) a cluster, load the image archives built here (no registry), then the
 * same per-release install as an existing cluster (release-stack.ts). Needs Docker and the kind CLI.
 */
export class KindBackend implements ClusterBackend {
  readonly name = 'kind' as const;
  private readonly clusterName: string;

  constructor(private readonly opts: KindBackendOptions) {
    if (!opts.variants.length)
      throw new Error('KindBackend: variants must name at least one driver + sidecar pair');
    this.clusterName = opts.clusterName ?? 'cosi-chaos';
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(this.clusterName)) {
      throw new Error(
        `KindBackend: clusterName ${JSON.stringify(this.clusterName)} is not a valid kind cluster name`,
      );
    }
    for (const v of opts.variants) variantSuffix(v.name);
  }

  async up(): Promise<BackendHandle> {
    const runner = this.opts.runner ?? new ExecaCommandRunner();
    const { workDir } = this.opts;
    const name = this.clusterName;
    await mkdir(workDir, { recursive: true });
    const kubeconfig = join(workDir, 'kind-cluster.kubeconfig');
    const clusters = (await runner.run('kind', ['get', 'clusters'])).stdout.split('\n').map((l) => l.trim());
    if (clusters.includes(name)) {
      await runner.run('kind', ['export', 'kubeconfig', '--name', name, '--kubeconfig', kubeconfig]);
    } else {
      await runner.run('kind', [
        'create',
        'cluster',
        '--name',
        name,
        '--wait',
        '120s',
        '--kubeconfig',
        kubeconfig,
        ...(this.opts.nodeImage ? ['--image', this.opts.nodeImage] : []),
      ]);
    }
    const deleteCluster = () =>
      runner.run('kind', ['delete', 'cluster', '--name', name]).then(() => undefined);
    let inner: BackendHandle;
    try {
      for (const archive of this.opts.images.archives ?? [])
        await runner.run('kind', ['load', 'image-archive', archive, '--name', name]);
      inner = await new ExistingClusterBackend(
        {
          variants: this.opts.variants,
          images: this.opts.images,
          workDir,
          kubeconfig,
          runner,
          ...(this.opts.rolloutTimeoutSeconds
            ? { rolloutTimeoutSeconds: this.opts.rolloutTimeoutSeconds }
            : {}),
        },
        'kind',
      ).up();
    } catch (err) {
      if (!this.opts.keep) await deleteCluster().catch(() => undefined);
      throw err;
    }
    return new KindHandle(inner, this.opts.keep ? async () => {} : deleteCluster);
  }
}

class KindHandle implements BackendHandle {
  readonly backend = 'kind' as const;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly inner: BackendHandle,
    private readonly teardown: () => Promise<void>,
  ) {}

  get kubeconfigPath(): string {
    return this.inner.kubeconfigPath;
  }

  get namespace(): string {
    return this.inner.namespace;
  }

  driverAdminUrl(variant: string): Promise<string> {
    return this.inner.driverAdminUrl(variant);
  }

  collectLogs(dir: string): Promise<string[]> {
    return this.inner.collectLogs(dir);
  }

  /** Idempotent: removes what the install created, then deletes the cluster unless it is kept. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      try {
        await this.inner.stop();
      } finally {
        await this.teardown();
      }
    })();
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
