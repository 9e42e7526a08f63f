import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { V1ALPHA1_CRDS } from '../binaries/component-catalog.ts';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { BucketClaimProvisioner } from '../cosi/bucket-claim-provisioner.ts';
import { crdManifests, installCrds } from '../cosi/crd-installer.ts';
import { applyObjects } from '../cosi/kube-apply.ts';
import { controllerRbac, sidecarRbac } from '../cosi/rbac-manifests.ts';
import { requestServiceAccountToken } from '../cosi/service-account-token.ts';
import { startSidecar } from '../cosi/sidecar-process.ts';
import { MockDriverProcess } from '../driver/mock-driver-process.ts';
import type { ManagedProcess } from '../process/managed-process.ts';
import { ProcessStartError } from '../process/process-errors.ts';
import type { Scenario } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import {
  driverNameFor,
  ScenarioEnvironment,
  scopedRules,
  type VariantHandle,
} from './scenario-environment.ts';

const SYSTEM_NS = 'cosi-chaos-system';

export interface EnvironmentBinaries {
  etcd: string;
  kubeApiServer: string;
}

/** One variant in an environment: its sidecar binary. */
export interface EnvironmentMember {
  variant: SidecarVariant;
  sidecarBinary: string;
}

/** A variant's running parts inside an environment. */
export class VariantRuntime implements VariantHandle {
  readonly restartTimes: number[] = [];
  watching = true;
  readonly supervision: Promise<void>;

  constructor(
    readonly variant: SidecarVariant,
    readonly index: number,
    readonly driver: MockDriverProcess,
    public sidecar: ManagedProcess,
    private readonly launch: () => ManagedProcess,
  ) {
    this.supervision = this.supervise();
  }

  // As the kubelet would: a sidecar that exits is started again with CrashLoopBackOff (10 s doubling to 5 min,
  // reset after 10 min of running), and every restart is counted.
  private async supervise(): Promise<void> {
    let delayMs = 10_000;
    let startedAt = Date.now();
    while (this.watching) {
      const current = this.sidecar;
      const exited = await Promise.race([current.exited.then(() => true), sleep(250).then(() => false)]);
      if (exited && this.watching) {
        this.restartTimes.push(Date.now());
        if (Date.now() - startedAt > 600_000) delayMs = 10_000;
        const until = Date.now() + delayMs;
        while (this.watching && Date.now() < until) await sleep(250);
        delayMs = Math.min(delayMs * 2, 300_000);
        if (this.watching) {
          this.sidecar = this.launch();
          startedAt = Date.now();
        }
      }
    }
  }

  get restarts(): number {
    return this.restartTimes.length;
  }

  async stop(): Promise<void> {
    this.watching = false;
    await this.supervision;
    await Promise.all([this.sidecar.stop(), this.driver.stop()]);
  }
}

/**
 * One v1alpha1 control plane with one or more sidecar variants: etcd + kube-apiserver with the v1alpha1 CRDs,
 * the claim provisioner (controller role), and per variant its own mock driver socket, driver name,
 * ServiceAccount and real sidecar process.
 */
export class V1alpha1Environment extends ScenarioEnvironment {
  private constructor(
    readonly controlPlane: LocalControlPlane,
    private readonly provisioner: BucketClaimProvisioner,
    private readonly runtimes: Map<string, VariantRuntime>,
    readonly logDir: string,
  ) {
    super(runtimes);
  }

  kubeConfig(): KubeConfig {
    return this.controlPlane.adminKubeConfig();
  }

  static async start(
    members: EnvironmentMember[],
    bins: EnvironmentBinaries,
    scenarios: Scenario[],
    logDir: string,
    progress?: (detail: string) => void,
  ): Promise<V1alpha1Environment> {
    // A previous run's logs, etcd data and journals must not leak into this one.
    await rm(logDir, { recursive: true, force: true });
    await mkdir(logDir, { recursive: true });
    const label = members.map((m) => m.variant.name).join(', ');
    progress?.(`${label}: starting etcd and kube-apiserver`);
    const cp = await LocalControlPlane.start({
      etcdBinary: bins.etcd,
      apiServerBinary: bins.kubeApiServer,
      workDir: logDir,
      keepWorkDir: true,
    });
    const cleanup: (() => Promise<void>)[] = [() => cp.stop()];
    try {
      const admin = cp.adminKubeConfig();
      progress?.(`${label}: installing v1alpha1 CRDs and RBAC`);
      await installCrds(admin, await crdManifests(members[0]?.variant.crds ?? V1ALPHA1_CRDS));
      const namespaces = new Set([SYSTEM_NS, ...scenarios.map((s) => s.bucketClaim.namespace)]);
      await applyObjects(
        admin,
        [...namespaces].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
      );
      await applyObjects(admin, [
        ...controllerRbac('cosi-controller', SYSTEM_NS),
        ...members.flatMap((_, i) => sidecarRbac(`cosi-sidecar-${i}`, SYSTEM_NS)),
      ]);
      const controllerKc = new KubeConfig();
      controllerKc.loadFromString(
        cp.kubeconfigFor(
          'cosi-controller',
          await requestServiceAccountToken(admin, SYSTEM_NS, 'cosi-controller'),
          SYSTEM_NS,
        ),
      );
      const provisioner = BucketClaimProvisioner.start(controllerKc);
      cleanup.unshift(() => provisioner.stop());

      const runtimes = new Map<string, VariantRuntime>();
      for (const [i, m] of members.entries()) {
        progress?.(`${m.variant.name}: starting mock driver and sidecar`);
        const driver = await MockDriverProcess.start({
          id: m.variant.name,
          driverName: driverNameFor(m.variant.name),
          rules: scopedRules(scenarios, m.variant.name),
          workDir: logDir,
        });
        cleanup.unshift(() => driver.stop());
        const sa = `cosi-sidecar-${i}`;
        const kubeconfig = join(logDir, `sidecar-${m.variant.name}.kubeconfig`);
        await writeFile(
          kubeconfig,
          cp.kubeconfigFor(sa, await requestServiceAccountToken(admin, SYSTEM_NS, sa), SYSTEM_NS),
          { mode: 0o600 },
        );
        const launch = () =>
          startSidecar({
            variant: m.variant.name,
            era: 'v1alpha1',
            binary: m.sidecarBinary,
            kubeconfigPath: kubeconfig,
            driverSocket: driver.socketPath,
            namespace: SYSTEM_NS,
            logDir,
          });
        const rt = new VariantRuntime(m.variant, i, driver, launch(), launch);
        runtimes.set(m.variant.name, rt);
        cleanup.unshift(() => rt.stop());
      }
      const env = new V1alpha1Environment(cp, provisioner, runtimes, logDir);
      for (const rt of runtimes.values()) await env.waitForSidecar(rt);
      return env;
    } catch (err) {
      for (const c of cleanup) await c().catch(() => {});
      throw err;
    }
  }

  /** The sidecar is serving once it has called DriverGetInfo and holds its leader Lease. */
  private async waitForSidecar(rt: VariantRuntime, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const leases = this.controlPlane.adminKubeConfig().makeApiClient(CoordinationV1Api);
    const leaseName = driverNameFor(rt.variant.name).replace(/\./g, '-');
    while (Date.now() < deadline && rt.restarts === 0) {
      const calls = await rt.driver.admin.journal({ rpc: 'getInfo' }).catch(() => []);
      const held = await leases
        .listNamespacedLease({ namespace: SYSTEM_NS })
        .then((l) => l.items.some((i) => i.metadata?.name?.startsWith(leaseName) && i.spec?.holderIdentity))
        .catch(() => false);
      if (calls.length > 0 && held) return;
      await sleep(200);
    }
    const sc = rt.sidecar;
    throw new ProcessStartError(
      `sidecar/${rt.variant.name}`,
      sc.spec.binary,
      rt.restarts > 0 || sc.hasExited
        ? 'exited while starting'
        : 'did not call DriverGetInfo and take its leader Lease in time',
      sc.spec.logFile,
      sc.logTail(),
      sc.exit?.code ?? null,
      sc.exit?.signal ?? null,
    );
  }

  async stop(): Promise<void> {
    const errors: unknown[] = [];
    // In parallel: each sidecar may use its whole SIGTERM grace period.
    await Promise.all(
      [...this.runtimes.values()].map((rt) => rt.stop().catch((e: unknown) => errors.push(e))),
    );
    for (const step of [() => this.provisioner.stop(), () => this.controlPlane.stop()]) {
      await step().catch((e: unknown) => errors.push(e));
    }
    if (errors.length) throw new AggregateError(errors, 'stopping the v1alpha1 environment failed');
  }
}
