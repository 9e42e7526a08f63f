import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { BucketClaimProvisioner } from '../cosi/bucket-claim-provisioner.ts';
import { installCrds, v1alpha1CrdManifests } from '../cosi/crd-installer.ts';
import { applyObjects } from '../cosi/kube-apply.ts';
import { controllerRbac, sidecarRbac } from '../cosi/rbac-manifests.ts';
import { requestServiceAccountToken } from '../cosi/service-account-token.ts';
import { startSidecar } from '../cosi/sidecar-process.ts';
import { MockDriverProcess } from '../driver/mock-driver-process.ts';
import type { ManagedProcess } from '../process/managed-process.ts';
import type { EventSummary, ObjectStatus } from '../results/run-results.ts';
import { SCENARIO_PARAMETER } from '../scenarios/scenario-loader.ts';
import type { Scenario } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';

const SYSTEM_NS = 'cosi-chaos-system';
const GROUP = 'objectstorage.k8s.io';

export interface EnvironmentBinaries {
  etcd: string;
  kubeApiServer: string;
  sidecar: string;
}

/** Driver name for a variant: DNS-label safe, since the sidecar derives its Lease name from it. */
export function driverNameFor(variant: string): string {
  return `${variant.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.cosi-chaos.io`;
}

/** Rules of every scenario for one variant, each scoped to its scenario through the class parameter. */
export function scopedRules(scenarios: Scenario[], variant: string): Record<string, unknown>[] {
  return scenarios.flatMap((s) => {
    const own = s.variants.find((v) => v.sidecar === variant)?.rules ?? s.rules;
    return own.map((rule) => {
      const match = { ...((rule.match as Record<string, unknown> | undefined) ?? {}) };
      const params = { ...((match.parameters as Record<string, unknown> | undefined) ?? {}) };
      params[SCENARIO_PARAMETER] = { equals: s.name };
      return { ...rule, name: `${s.name}/${String(rule.name)}`, match: { ...match, parameters: params } };
    });
  });
}

/**
 * One v1alpha1 variant's world: its own local control plane with the v1alpha1 CRDs, the claim provisioner
 * (controller role) and the real sidecar, each on its own ServiceAccount, and a mock driver on a unix socket.
 */
export class V1alpha1Environment {
  sidecarRestarts = 0;
  private sidecar: ManagedProcess;
  private watching = true;
  private readonly restartLoop: Promise<void>;

  private constructor(
    readonly variant: SidecarVariant,
    readonly controlPlane: LocalControlPlane,
    readonly driver: MockDriverProcess,
    private readonly provisioner: BucketClaimProvisioner,
    sidecar: ManagedProcess,
    private readonly startSidecarAgain: () => ManagedProcess,
    readonly logDir: string,
  ) {
    this.sidecar = sidecar;
    this.restartLoop = this.superviseSidecar();
  }

  static async start(
    variant: SidecarVariant,
    bins: EnvironmentBinaries,
    scenarios: Scenario[],
    logDir: string,
    progress?: (detail: string) => void,
  ): Promise<V1alpha1Environment> {
    // A previous run's logs, etcd data and journal must not leak into this one.
    await rm(logDir, { recursive: true, force: true });
    await mkdir(logDir, { recursive: true });
    progress?.(`${variant.name}: starting etcd and kube-apiserver`);
    const cp = await LocalControlPlane.start({ etcdBinary: bins.etcd, apiServerBinary: bins.kubeApiServer, workDir: logDir, keepWorkDir: true });
    const cleanup: (() => Promise<void>)[] = [() => cp.stop()];
    try {
      const admin = cp.adminKubeConfig();
      progress?.(`${variant.name}: installing v1alpha1 CRDs and RBAC`);
      await installCrds(admin, await v1alpha1CrdManifests());
      await applyObjects(admin, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NS } }]);
      for (const ns of new Set(scenarios.map((s) => s.bucketClaim.namespace))) {
        await applyObjects(admin, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
      }
      await applyObjects(admin, [...controllerRbac('cosi-controller', SYSTEM_NS), ...sidecarRbac('cosi-sidecar', SYSTEM_NS)]);

      const controllerKc = new KubeConfig();
      controllerKc.loadFromString(
        cp.kubeconfigFor('cosi-controller', await requestServiceAccountToken(admin, SYSTEM_NS, 'cosi-controller'), SYSTEM_NS),
      );
      const provisioner = BucketClaimProvisioner.start(controllerKc);
      cleanup.unshift(() => provisioner.stop());

      progress?.(`${variant.name}: starting mock driver`);
      const driver = await MockDriverProcess.start({
        id: variant.name,
        driverName: driverNameFor(variant.name),
        rules: scopedRules(scenarios, variant.name),
        workDir: logDir,
      });
      cleanup.unshift(() => driver.stop());

      const sidecarKubeconfig = join(logDir, 'sidecar.kubeconfig');
      await writeFile(
        sidecarKubeconfig,
        cp.kubeconfigFor('cosi-sidecar', await requestServiceAccountToken(admin, SYSTEM_NS, 'cosi-sidecar'), SYSTEM_NS),
        { mode: 0o600 },
      );
      const launch = () =>
        startSidecar({
          variant: variant.name,
          era: 'v1alpha1',
          binary: bins.sidecar,
          kubeconfigPath: sidecarKubeconfig,
          driverSocket: driver.socketPath,
          namespace: SYSTEM_NS,
          logDir,
        });
      progress?.(`${variant.name}: starting sidecar`);
      const sidecar = launch();
      const env = new V1alpha1Environment(variant, cp, driver, provisioner, sidecar, launch, logDir);
      cleanup.length = 0;
      cleanup.push(() => env.stop());
      await env.waitForSidecar();
      return env;
    } catch (err) {
      for (const c of cleanup) await c().catch(() => {});
      throw err;
    }
  }

  /** The sidecar is serving once it has called DriverGetInfo and holds its leader Lease. */
  private async waitForSidecar(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const coord = this.controlPlane.adminKubeConfig();
    const { CoordinationV1Api } = await import('@kubernetes/client-node');
    const leases = coord.makeApiClient(CoordinationV1Api);
    while (Date.now() < deadline) {
      if (this.sidecar.hasExited) break;
      const calls = await this.driver.admin.journal({ rpc: 'getInfo' }).catch(() => []);
      const held = await leases
        .listNamespacedLease({ namespace: SYSTEM_NS })
        .then((l) => l.items.some((i) => i.spec?.holderIdentity))
        .catch(() => false);
      if (calls.length > 0 && held) return;
      await sleep(200);
    }
    const { ProcessStartError } = await import('../process/process-errors.ts');
    throw new ProcessStartError(
      `sidecar/${this.variant.name}`,
      this.sidecar.spec.binary,
      this.sidecar.hasExited ? 'exited while starting' : 'did not call DriverGetInfo and take its leader Lease in time',
      this.sidecar.spec.logFile,
      this.sidecar.logTail(),
      this.sidecar.exit?.code ?? null,
      this.sidecar.exit?.signal ?? null,
    );
  }

  // As the kubelet would: a sidecar that exits is started again (after 1 s), and every restart is counted.
  private async superviseSidecar(): Promise<void> {
    while (this.watching) {
      const current = this.sidecar;
      const exited = await Promise.race([current.exited.then(() => true), sleep(250).then(() => false)]);
      if (exited && this.watching) {
        this.sidecarRestarts++;
        await sleep(1000);
        if (this.watching) this.sidecar = this.startSidecarAgain();
      }
    }
  }

  /** Creates the scenario's BucketClass (driver = this variant's mock driver) and BucketClaim. */
  async applyScenario(s: Scenario): Promise<void> {
    const admin = this.controlPlane.adminKubeConfig();
    await applyObjects(admin, [
      {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'BucketClass',
        metadata: { name: s.bucketClass.name },
        driverName: driverNameFor(this.variant.name),
        deletionPolicy: s.bucketClass.deletionPolicy,
        parameters: { ...s.bucketClass.parameters, [SCENARIO_PARAMETER]: s.name },
      } as never,
      {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'BucketClaim',
        metadata: { name: s.bucketClaim.name, namespace: s.bucketClaim.namespace },
        spec: { bucketClassName: s.bucketClass.name, protocols: s.bucketClaim.protocols },
      } as never,
    ]);
  }

  /** Bucket and BucketClaim status and the Events on them, at the end of the window. */
  async inspect(s: Scenario): Promise<{ objects: ObjectStatus[]; events: EventSummary[] }> {
    const kc = this.controlPlane.adminKubeConfig();
    const co = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const objects: ObjectStatus[] = [];
    const claim = (await co.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: s.bucketClaim.namespace,
      plural: 'bucketclaims',
      name: s.bucketClaim.name,
    })) as { status?: Record<string, unknown> };
    objects.push({ kind: 'BucketClaim', name: s.bucketClaim.name, namespace: s.bucketClaim.namespace, status: claim.status ?? {} });
    const bucketName = claim.status?.bucketName as string | undefined;
    const names = [s.bucketClaim.name];
    if (bucketName) {
      names.push(bucketName);
      const bucket = (await co
        .getClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural: 'buckets', name: bucketName })
        .catch(() => undefined)) as { status?: Record<string, unknown> } | undefined;
      if (bucket) objects.push({ kind: 'Bucket', name: bucketName, status: bucket.status ?? {} });
    }
    const events: EventSummary[] = [];
    for (const name of names) {
      const list = await core.listEventForAllNamespaces({ fieldSelector: `involvedObject.name=${name}` });
      for (const ev of list.items) {
        events.push({
          object: `${ev.involvedObject.kind}/${name}`,
          type: ev.type ?? '',
          reason: ev.reason ?? '',
          message: ev.message ?? '',
          count: ev.series?.count ?? ev.count ?? 1,
        });
      }
    }
    return { objects, events };
  }

  async stop(): Promise<void> {
    this.watching = false;
    await this.restartLoop;
    const errors: unknown[] = [];
    for (const step of [() => this.sidecar.stop(), () => this.driver.stop(), () => this.provisioner.stop(), () => this.controlPlane.stop()]) {
      await step().catch((e: unknown) => errors.push(e));
    }
    if (errors.length) throw new AggregateError(errors, `stopping ${this.variant.name} failed`);
  }
}
