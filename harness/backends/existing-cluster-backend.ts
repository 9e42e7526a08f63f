import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { parseManifests } from '../cosi/kube-apply.ts';
import type { BackendHandle, BackendName, ClusterBackend, StackVariant } from './cluster-backend.ts';
import { ClusterStack } from './cluster-stack.ts';
import { CommandError, type CommandRunner, ExecaCommandRunner } from './command-runner.ts';
import { writeV1alpha1CrdKustomization } from './crd-kustomization.ts';
import { type KubectlTarget, kubectlArgs } from './kubectl-target.ts';
import {
  CONTROLLER_DEPLOYMENT,
  type StackSource,
  variantSuffix,
  writeControllerKustomization,
  writeVariantKustomization,
} from './stack-kustomization.ts';

export interface ExistingClusterBackendOptions {
  variants: StackVariant[];
  /** Minified kubeconfig, generated kustomizations and failure logs go here. */
  workDir: string;
  /** Kubeconfig file; default kubectl's (KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** Context in it; default its current context. */
  context?: string;
  /** Namespace to create and later delete; default cosi-chaos-<6 hex>. Must not exist yet. */
  namespace?: string;
  /** Mock driver image the cluster can pull (push it to a registry first); default cosi-chaos/mock-driver:dev. */
  driverImage?: string;
  /** Deploy a COSI controller into the namespace; default true. Turn off when the cluster already runs one. */
  installController?: boolean;
  controllerImage?: string;
  /** deploy/ directory each variant starts from; default base. */
  source?: StackSource;
  /** Wait for `kubectl rollout status`; default true. */
  waitForReady?: boolean;
  rolloutTimeoutSeconds?: number;
  runner?: CommandRunner;
}

/** One object created by the backend, as `kubectl create -o name` printed it (e.g. deployment.apps/x). */
export interface CreatedObject {
  name: string;
  namespace?: string;
}

/**
 * The suite on a cluster the user already has. Everything goes into a fresh namespace (cluster-scoped RBAC gets a
 * per-run name suffix, CRDs are created only when absent), every created object is recorded, and `stop()` (or a
 * failed `up()`) deletes them in reverse order. Objects that existed before are never touched.
 */
export class ExistingClusterBackend implements ClusterBackend {
  readonly name: BackendName;
  private readonly namespace: string;
  private readonly runId: string;

  constructor(
    private readonly opts: ExistingClusterBackendOptions,
    /** The k3s lane reuses this install under its own name. */
    private readonly reportAs: BackendName = 'existing',
  ) {
    if (!opts.variants.length)
      throw new Error('ExistingClusterBackend: variants must name at least one driver + sidecar pair');
    for (const v of opts.variants) variantSuffix(v.name);
    this.runId = randomBytes(3).toString('hex');
    this.namespace = opts.namespace ?? `cosi-chaos-${this.runId}`;
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(this.namespace)) {
      throw new Error(
        `ExistingClusterBackend: namespace ${JSON.stringify(this.namespace)} is not a valid namespace name`,
      );
    }
    this.name = reportAs;
  }

  async up(): Promise<BackendHandle> {
    const runner = this.opts.runner ?? new ExecaCommandRunner();
    const { workDir } = this.opts;
    await mkdir(workDir, { recursive: true });
    // One self-contained kubeconfig for every later command, the harness's client and the user's debugging.
    const view = await runner.run('kubectl', [
      'config',
      'view',
      '--minify',
      '--flatten',
      ...(this.opts.kubeconfig ? ['--kubeconfig', this.opts.kubeconfig] : []),
      ...(this.opts.context ? ['--context', this.opts.context] : []),
    ]);
    const target: KubectlTarget = { kubeconfig: join(workDir, `${this.reportAs}.kubeconfig`) };
    await writeFile(target.kubeconfig, view.stdout, { mode: 0o600 });

    const install = new TrackedInstall(runner, target, this.namespace);
    const suffixOf = (v: StackVariant) => `${variantSuffix(v.name)}-${this.runId}`;
    const installController = this.opts.installController ?? true;
    const stack = new ClusterStack(
      runner,
      target,
      this.namespace,
      this.opts.variants.map((variant) => ({ variant, suffix: suffixOf(variant) })),
      installController ? `${CONTROLLER_DEPLOYMENT}-${this.runId}` : undefined,
    );
    try {
      const crds = await writeV1alpha1CrdKustomization(join(workDir, 'kustomize', 'crds'));
      const present = await runner.run(
        'kubectl',
        kubectlArgs(
          target,
          'get',
          ...crds.crdNames.map((n) => `crd/${n}`),
          '--ignore-not-found',
          '-o',
          'name',
        ),
      );
      const existing = new Set(present.stdout.split('\n').map((l) => l.trim().replace(/^.*\//, '')));
      const missing = (await install.render(crds.dir)).filter((o) => !existing.has(o.metadata?.name ?? ''));
      if (missing.length) {
        await install.create(missing);
        await runner.run(
          'kubectl',
          kubectlArgs(
            target,
            'wait',
            '--for=condition=Established',
            '--timeout=60s',
            ...missing.map((o) => `crd/${o.metadata?.name}`),
          ),
        );
      }
      await install.create([
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: this.namespace, labels: { 'app.kubernetes.io/part-of': 'cosi-chaos' } },
        },
      ]);
      for (const { variant, deployment } of stack.variants) {
        const dir = await writeVariantKustomization(join(workDir, 'kustomize', deployment), {
          source: this.opts.source ?? 'base',
          namespace: this.namespace,
          suffix: suffixOf(variant),
          variant,
          driverImage: this.opts.driverImage,
        });
        await install.create((await install.render(dir)).filter((o) => o.kind !== 'Namespace'));
      }
      if (installController) {
        const dir = await writeControllerKustomization(join(workDir, 'kustomize', 'controller'), {
          namespace: this.namespace,
          suffix: `-${this.runId}`,
          image: this.opts.controllerImage,
        });
        await install.create(await install.render(dir));
      }
      if (this.opts.waitForReady ?? true) await stack.waitForRollout(this.opts.rolloutTimeoutSeconds ?? 180);
    } catch (err) {
      if (install.created.length) await stack.collectLogs(join(workDir, 'logs')).catch(() => undefined);
      try {
        await install.removeAll();
      } catch (cleanupErr) {
        throw new AggregateError(
          [err, cleanupErr],
          `installing into ${this.namespace} failed, and so did removing what was created`,
        );
      }
      throw err;
    }
    return new ExistingClusterHandle(this.reportAs, target.kubeconfig, this.namespace, stack, install);
  }
}

/** Creates objects with `kubectl create` and records each one the server accepted, even when a later one fails. */
class TrackedInstall {
  readonly created: CreatedObject[] = [];

  constructor(
    private readonly runner: CommandRunner,
    private readonly target: KubectlTarget,
    private readonly namespace: string,
  ) {}

  async render(dir: string): Promise<KubernetesObject[]> {
    return parseManifests((await this.runner.run('kubectl', ['kustomize', dir])).stdout);
  }

  async create(objects: KubernetesObject[]): Promise<void> {
    const input = objects.map((o) => stringify(o)).join('---\n');
    const res = await this.runner.run(
      'kubectl',
      kubectlArgs(this.target, 'create', '-f', '-', '-o', 'name'),
      {
        input,
        allowFailure: true,
      },
    );
    for (const line of res.stdout.split('\n')) {
      const name = line.trim();
      if (!name) continue;
      const obj = objects.find(
        (o) =>
          name.endsWith(`/${o.metadata?.name}`) &&
          name.split('/')[0]?.split('.')[0] === o.kind?.toLowerCase(),
      );
      this.created.push({ name, ...(obj?.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) });
    }
    if (res.exitCode !== 0) {
      throw new CommandError(
        'kubectl',
        kubectlArgs(this.target, 'create', '-f', '-', '-o', 'name'),
        res.exitCode,
        undefined,
        false,
        res.stderr.trim(),
      );
    }
  }

  /** Deletes every recorded object, newest first, in one kubectl call; forgets them once deleted. */
  async removeAll(): Promise<void> {
    if (!this.created.length) return;
    const names = [...this.created].reverse().map((o) => o.name);
    // --wait=false: a namespace's finalization can take minutes; what matters is that deletion was accepted.
    await this.runner.run(
      'kubectl',
      kubectlArgs(
        this.target,
        'delete',
        '--namespace',
        this.namespace,
        '--ignore-not-found',
        '--wait=false',
        ...names,
      ),
    );
    this.created.length = 0;
  }
}

class ExistingClusterHandle implements BackendHandle {
  private stopped: Promise<void> | undefined;

  constructor(
    readonly backend: BackendName,
    readonly kubeconfigPath: string,
    readonly namespace: string,
    private readonly stack: ClusterStack,
    private readonly install: TrackedInstall,
  ) {}

  /** What `stop()` will delete, oldest first. */
  get createdObjects(): readonly CreatedObject[] {
    return this.install.created;
  }

  driverAdminUrl(variant: string): Promise<string> {
    return this.stack.driverAdminUrl(variant);
  }

  collectLogs(dir: string): Promise<string[]> {
    return this.stack.collectLogs(dir);
  }

  /** Idempotent: stops port-forwards, then deletes every created object in reverse order. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.stack.stopPortForwards();
      await this.install.removeAll();
    })();
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
