import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendHandle, ClusterBackend, StackVariant } from './cluster-backend.ts';
import { ClusterStack } from './cluster-stack.ts';
import { type CommandRunner, ExecaCommandRunner } from './command-runner.ts';
import { writeV1alpha1CrdKustomization } from './crd-kustomization.ts';
import { MOCK_DRIVER_DOCKERFILE, MOCK_DRIVER_IMAGE, REPO_ROOT } from './deploy-paths.ts';
import { type KubectlTarget, kubectlArgs } from './kubectl-target.ts';
import {
  CONTROLLER_DEPLOYMENT,
  type StackSource,
  variantSuffix,
  writeControllerKustomization,
  writeVariantKustomization,
} from './stack-kustomization.ts';

export interface KindBackendOptions {
  /** Driver + sidecar pairs to deploy, one Deployment each. */
  variants: StackVariant[];
  /** Kubeconfig, generated kustomizations and failure logs go here (a folder of the results dir). */
  workDir: string;
  /** kind cluster name; default "cosi-chaos". An existing cluster of that name is reused. */
  clusterName?: string;
  /** Leave the cluster running after stop() (and after a failed up()); default false. */
  keep?: boolean;
  /** deploy/ directory each variant starts from; default overlays/kind. */
  source?: StackSource;
  /** Controller image; default deploy/controller's. */
  controllerImage?: string;
  /** Deploy the COSI controller; default true. */
  installController?: boolean;
  /** Locally built images to `kind load` besides the mock driver (e.g. a patched sidecar). */
  loadImages?: string[];
  /** kind node image (`kind create cluster --image`); default kind's. */
  nodeImage?: string;
  /** `kubectl rollout status --timeout`; default 180 s (first pulls of the upstream images are slow). */
  rolloutTimeoutSeconds?: number;
  runner?: CommandRunner;
}

/**
 * The suite on kind: create (or reuse) a cluster, build and load the mock driver image, apply the CRDs, one
 * driver + sidecar pair per variant and the controller, wait for rollout. Needs Docker and the kind CLI.
 */
export class KindBackend implements ClusterBackend {
  readonly name = 'kind' as const;
  private readonly opts: Required<Omit<KindBackendOptions, 'controllerImage' | 'nodeImage'>> &
    Pick<KindBackendOptions, 'controllerImage' | 'nodeImage'>;

  constructor(opts: KindBackendOptions) {
    if (!opts.variants.length)
      throw new Error('KindBackend: variants must name at least one driver + sidecar pair');
    const clusterName = opts.clusterName ?? 'cosi-chaos';
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(clusterName)) {
      throw new Error(
        `KindBackend: clusterName ${JSON.stringify(clusterName)} is not a valid kind cluster name`,
      );
    }
    for (const v of opts.variants) variantSuffix(v.name);
    this.opts = {
      clusterName,
      keep: false,
      source: 'overlays/kind',
      installController: true,
      loadImages: [],
      rolloutTimeoutSeconds: 180,
      runner: new ExecaCommandRunner(),
      ...opts,
    };
  }

  async up(): Promise<BackendHandle> {
    const { runner, clusterName: name, workDir } = this.opts;
    await mkdir(workDir, { recursive: true });
    const target: KubectlTarget = { kubeconfig: join(workDir, 'kind.kubeconfig') };
    const clusters = (await runner.run('kind', ['get', 'clusters'])).stdout.split('\n').map((l) => l.trim());
    if (clusters.includes(name)) {
      await runner.run('kind', ['export', 'kubeconfig', '--name', name, '--kubeconfig', target.kubeconfig]);
    } else {
      await runner.run('kind', [
        'create',
        'cluster',
        '--name',
        name,
        '--wait',
        '120s',
        '--kubeconfig',
        target.kubeconfig,
        ...(this.opts.nodeImage ? ['--image', this.opts.nodeImage] : []),
      ]);
    }
    const namespace = 'cosi-chaos-system';
    const stack = new ClusterStack(
      runner,
      target,
      namespace,
      this.opts.variants.map((variant) => ({ variant, suffix: variantSuffix(variant.name) })),
      this.opts.installController ? CONTROLLER_DEPLOYMENT : undefined,
    );
    const deleteCluster = () =>
      runner.run('kind', ['delete', 'cluster', '--name', name]).then(() => undefined);
    let applied = false;
    try {
      await runner.run('docker', ['build', '-t', MOCK_DRIVER_IMAGE, '-f', MOCK_DRIVER_DOCKERFILE, '.'], {
        cwd: REPO_ROOT,
      });
      for (const image of [MOCK_DRIVER_IMAGE, ...this.opts.loadImages]) {
        await runner.run('kind', ['load', 'docker-image', image, '--name', name]);
      }
      const crds = await writeV1alpha1CrdKustomization(join(workDir, 'kustomize', 'crds'));
      await runner.run('kubectl', kubectlArgs(target, 'apply', '--server-side', '-k', crds.dir));
      await runner.run(
        'kubectl',
        kubectlArgs(
          target,
          'wait',
          '--for=condition=Established',
          '--timeout=60s',
          ...crds.crdNames.map((n) => `crd/${n}`),
        ),
      );
      applied = true;
      // Variants first: deploy/base carries the Namespace the controller goes into.
      for (const { variant, deployment } of stack.variants) {
        const dir = await writeVariantKustomization(join(workDir, 'kustomize', deployment), {
          source: this.opts.source,
          namespace,
          suffix: variantSuffix(variant.name),
          variant,
        });
        await runner.run('kubectl', kubectlArgs(target, 'apply', '-k', dir));
      }
      if (this.opts.installController) {
        const dir = await writeControllerKustomization(join(workDir, 'kustomize', CONTROLLER_DEPLOYMENT), {
          namespace,
          suffix: '',
          image: this.opts.controllerImage,
        });
        await runner.run('kubectl', kubectlArgs(target, 'apply', '-k', dir));
      }
      await stack.waitForRollout(this.opts.rolloutTimeoutSeconds);
    } catch (err) {
      // The logs say why a pod never became ready; read them before the cluster goes.
      if (applied) await stack.collectLogs(join(workDir, 'logs')).catch(() => undefined);
      if (!this.opts.keep) await deleteCluster().catch(() => undefined);
      throw err;
    }
    return new KindHandle(
      target.kubeconfig,
      namespace,
      stack,
      this.opts.keep ? async () => {} : deleteCluster,
    );
  }
}

class KindHandle implements BackendHandle {
  readonly backend = 'kind' as const;
  private stopped: Promise<void> | undefined;

  constructor(
    readonly kubeconfigPath: string,
    readonly namespace: string,
    private readonly stack: ClusterStack,
    private readonly teardown: () => Promise<void>,
  ) {}

  driverAdminUrl(variant: string): Promise<string> {
    return this.stack.driverAdminUrl(variant);
  }

  collectLogs(dir: string): Promise<string[]> {
    return this.stack.collectLogs(dir);
  }

  /** Idempotent: stops port-forwards, then deletes the cluster unless it is kept. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.stack.stopPortForwards();
      await this.teardown();
    })();
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
