import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { sameApi } from '../variants/sidecar-variants.ts';
import type {
  BackendHandle,
  BackendName,
  ClusterBackend,
  StackImages,
  StackVariant,
} from './cluster-backend.ts';
import { ClusterStack } from './cluster-stack.ts';
import { CommandError, type CommandRunner, ExecaCommandRunner } from './command-runner.ts';
import { type KubectlTarget, kubectlArgs } from './kubectl-target.ts';
import { releaseStack, writeReleaseStack } from './release-stack.ts';
import { variantSuffix } from './stack-names.ts';

export interface ExistingClusterBackendOptions {
  /** The driver + sidecar pairs of one release (they share its CRDs and controller). */
  variants: StackVariant[];
  images: StackImages;
  /** Minified kubeconfig, generated manifests and failure logs go here. */
  workDir: string;
  /** Kubeconfig file; default kubectl's (KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** Context in it; default its current context. */
  context?: string;
  /** Namespace to create and later delete; default cosi-chaos-<6 hex>. Must not exist yet. */
  namespace?: string;
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
 * The suite on a cluster the user already has, one release at a time: that release's CRDs (created only when
 * absent, removed again by stop()), its controller and one driver + sidecar Pod per variant in a fresh namespace
 * (cluster-scoped RBAC gets a per-run name suffix). Every created object is recorded, and `stop()` (or a failed
 * `up()`) deletes them in reverse order. Objects that existed before are never touched.
 */
export class ExistingClusterBackend implements ClusterBackend {
  readonly name: BackendName;
  private readonly namespace: string;
  private readonly runId: string;

  constructor(
    private readonly opts: ExistingClusterBackendOptions,
    /** The kind and k3s lanes reuse this install under their own name. */
    private readonly reportAs: BackendName = 'existing',
  ) {
    const first = opts.variants[0];
    if (!first)
      throw new Error('ExistingClusterBackend: variants must name at least one driver + sidecar pair');
    for (const v of opts.variants) {
      variantSuffix(v.name);
      if (!sameApi(v.variant, first.variant) || v.variant.controller !== first.variant.controller)
        throw new Error(
          `ExistingClusterBackend: ${v.name} and ${first.name} need different CRDs or controllers: deploy them one after the other`,
        );
    }
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
    const members = this.opts.variants.map((v) => ({
      variant: v.variant,
      suffix: `${variantSuffix(v.name)}-${this.runId}`,
      sidecarImage: v.sidecarImage,
      driverName: v.driverName,
      rules: v.rules ?? 'rules: []\n',
    }));
    const release = await releaseStack({
      namespace: this.namespace,
      runId: this.runId,
      members,
      driverImage: this.opts.images.driverImage,
      ...(this.opts.images.controllerImage ? { controllerImage: this.opts.images.controllerImage } : {}),
    });
    // What was applied, for the user to read or apply by hand (kubectl apply -k).
    await writeReleaseStack(join(workDir, 'manifests'), release);
    const stack = new ClusterStack(
      runner,
      target,
      this.namespace,
      this.opts.variants.map((variant, i) => ({ variant, suffix: members[i]?.suffix ?? '' })),
      release.controllerDeployment,
    );
    try {
      const missing = await crdsToCreate(runner, target, release.crds);
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
      await install.create(release.objects);
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

/** A CRD the cluster holds that the release cannot use: it is not the one the release installs. */
export class CrdConflictError extends Error {
  override readonly name = 'CrdConflictError';
  constructor(
    readonly crd: string,
    readonly served: string[],
    readonly wanted: string[],
  ) {
    super(
      `CRD ${crd} is installed and serves ${served.join(', ') || 'no version'}, but this release needs ` +
        `${wanted.join(', ')}: remove it (kubectl delete crd ${crd}) or run on a cluster without COSI installed`,
    );
  }
}

interface CrdState {
  name: string;
  terminating: boolean;
  served: string[];
  /** The API server's own CRD clean-up is stuck: it cannot list the instances of a CRD whose storage restarts. */
  cleanupStuck: boolean;
}

function servedVersions(crd: KubernetesObject): string[] {
  const spec = (crd as { spec?: { versions?: { name: string; served?: boolean }[] } }).spec;
  return (spec?.versions ?? []).filter((v) => v.served !== false).map((v) => v.name);
}

async function readCrds(runner: CommandRunner, target: KubectlTarget, names: string[]): Promise<CrdState[]> {
  const res = await runner.run(
    'kubectl',
    kubectlArgs(target, 'get', ...names.map((n) => `crd/${n}`), '--ignore-not-found', '-o', 'json'),
  );
  if (!res.stdout.trim()) return [];
  const parsed = JSON.parse(res.stdout) as KubernetesObject & { items?: KubernetesObject[] };
  return (parsed.items ?? [parsed]).map((o) => {
    const conditions =
      (o as { status?: { conditions?: { type: string; reason?: string; message?: string }[] } }).status
        ?.conditions ?? [];
    const t = conditions.find((c) => c.type === 'Terminating');
    return {
      name: o.metadata?.name ?? '',
      terminating: Boolean(o.metadata?.deletionTimestamp),
      served: servedVersions(o),
      cleanupStuck:
        t?.reason === 'InstanceDeletionFailed' && (t.message ?? '').includes('storage is (re)initializing'),
    };
  });
}

/**
 * The release's CRDs that must be created: those absent, and those still being deleted (the release before on
 * this cluster installed CRDs of the same names, maybe of another version: they are waited out, never reused).
 * A CRD present that does not serve the release's versions is a conflict, reported as such.
 */
async function crdsToCreate(
  runner: CommandRunner,
  target: KubectlTarget,
  crds: KubernetesObject[],
): Promise<KubernetesObject[]> {
  const names = crds.map((o) => o.metadata?.name ?? '');
  let present = await readCrds(runner, target, names);
  const terminating = present.filter((c) => c.terminating).map((c) => `crd/${c.name}`);
  if (terminating.length) {
    await runner.run(
      'kubectl',
      kubectlArgs(target, 'wait', '--for=delete', '--timeout=180s', ...terminating),
      {
        timeoutMs: 200_000,
      },
    );
    present = await readCrds(runner, target, names);
  }
  for (const c of present) {
    const wanted = servedVersions(crds.find((o) => o.metadata?.name === c.name) as KubernetesObject);
    if (c.terminating || !wanted.every((v) => c.served.includes(v)))
      throw new CrdConflictError(c.name, c.served, wanted);
  }
  const kept = new Set(present.map((c) => c.name));
  return crds.filter((o) => !kept.has(o.metadata?.name ?? ''));
}

/** Creates objects with `kubectl create` and records each one the server accepted, even when a later one fails. */
class TrackedInstall {
  readonly created: CreatedObject[] = [];

  constructor(
    private readonly runner: CommandRunner,
    private readonly target: KubectlTarget,
    private readonly namespace: string,
  ) {}

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

  /**
   * Deletes every recorded object, newest first, in one kubectl call; forgets them once deleted. CRDs it created
   * are waited for: the next release installs its own CRDs of the same names.
   */
  async removeAll(): Promise<void> {
    if (!this.created.length) return;
    const names = [...this.created].reverse().map((o) => o.name);
    const crds = names.filter((n) => n.startsWith('customresourcedefinition'));
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
    if (crds.length) await this.waitForCrdsGone(crds);
    this.created.length = 0;
  }

  /**
   * Waits until the deleted CRDs are gone. Their objects still carry the finalizers of a controller and sidecar that
   * were just deleted with them, and a CRD goes only once its objects have: those finalizers are cleared here, as
   * nothing else would clear them. The next release's install waits for CRDs still terminating in any case.
   * A CRD deleted soon after it was created can stay terminating for minutes: the API server's clean-up cannot list
   * its instances while their storage restarts ("storage is (re)initializing", measured here on v1.33 with no
   * instance left). After a grace period the CRD's own finalizer is cleared for such a CRD, which this run created.
   */
  private async waitForCrdsGone(crds: string[], timeoutMs = 120_000, stuckGraceMs = 15_000): Promise<void> {
    const resources = crds.map((n) => n.slice(n.indexOf('/') + 1));
    const started = Date.now();
    const deadline = started + timeoutMs;
    while (Date.now() < deadline) {
      const left = await readCrds(this.runner, this.target, resources);
      if (!left.length) return;
      for (const crd of left) {
        if (crd.cleanupStuck && Date.now() - started >= stuckGraceMs) {
          await this.runner.run(
            'kubectl',
            kubectlArgs(
              this.target,
              'patch',
              `crd/${crd.name}`,
              '--type=merge',
              '-p',
              '{"metadata":{"finalizers":[]}}',
            ),
            { allowFailure: true },
          );
          continue;
        }
        const objects = await this.runner.run(
          'kubectl',
          kubectlArgs(this.target, 'get', crd.name, '--all-namespaces', '-o', 'json'),
          { allowFailure: true },
        );
        if (objects.exitCode !== 0) continue;
        const items = (JSON.parse(objects.stdout || '{}') as { items?: KubernetesObject[] }).items ?? [];
        for (const o of items.filter((i) => i.metadata?.finalizers?.length))
          await this.runner.run(
            'kubectl',
            kubectlArgs(
              this.target,
              'patch',
              crd.name,
              o.metadata?.name ?? '',
              ...(o.metadata?.namespace ? ['--namespace', o.metadata.namespace] : []),
              '--type=merge',
              '-p',
              '{"metadata":{"finalizers":null}}',
            ),
            { allowFailure: true },
          );
      }
      await sleep(1000);
    }
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
