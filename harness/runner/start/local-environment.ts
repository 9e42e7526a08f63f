import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { LocalControlPlane } from '../../control-plane/local-control-plane.ts';
import { startController } from '../../cosi/controller-process.ts';
import type { CosiObjects } from '../../cosi/cosi-objects.ts';
import { applyIndependentObjects } from '../../cosi/kube-apply.ts';
import { sidecarRbac } from '../../cosi/rbac-manifests.ts';
import { requestServiceAccountToken } from '../../cosi/service-account-token.ts';
import { startSidecar } from '../../cosi/sidecar-process.ts';
import { timedApiClient } from '../../cosi/timed-api-client.ts';
import { upstreamControllerRbac } from '../../cosi/upstream-rbac.ts';
import { V1ALPHA1_OBJECTS } from '../../cosi/v1alpha1-objects.ts';
import { V1ALPHA2_OBJECTS } from '../../cosi/v1alpha2-objects.ts';
import { V010SidecarAssist } from '../../cosi/v010-sidecar-assist.ts';
import { MockDriverProcess } from '../../driver/mock-driver-process.ts';
import {
  type DriverCluster,
  type RealDriver,
  type RealDriverBinaries,
  startRealDriver,
} from '../../driver/real-driver-stack.ts';
import { type PortReservation, reservePort } from '../../process/free-port.ts';
import type { ManagedProcess } from '../../process/managed-process.ts';
import { ProcessStartError } from '../../process/process-errors.ts';
import { describeDriver, driverKey, driverNeedsCluster } from '../../scenarios/scenario-driver.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';
import { type SidecarVariant, sameApi } from '../../variants/sidecar-variants.ts';
import { type ApiFaultRoute, startApiFaultRoute } from './api-fault-routing.ts';
import type { PlaneLease } from './control-plane-pool.ts';
import { CosiPlane, type PlaneApi } from './cosi-plane.ts';
import {
  driverNameFor,
  ScenarioEnvironment,
  scopedRules,
  type VariantHandle,
} from './scenario-environment.ts';

export interface EnvironmentBinaries extends RealDriverBinaries {
  etcd: string;
  kubeApiServer: string;
}

/** One variant in an environment: its sidecar binary and its release's controller binary. */
export interface EnvironmentMember {
  variant: SidecarVariant;
  sidecarBinary: string;
  controllerBinary: string;
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
    /** The v1alpha2 sidecar's plain-HTTP Prometheus endpoint on 127.0.0.1. */
    readonly metricsUrl?: string,
    readonly sidecarUser?: string,
    /** The real driver behind this variant's interposer (spec.driver), when the scenarios select one. */
    readonly realDriver?: RealDriver,
    readonly driverName: string = driverNameFor(variant.name),
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

  get sidecarLogFile(): string {
    return this.sidecar.spec.logFile;
  }

  get restarts(): number {
    return this.restartTimes.length;
  }

  async stop(): Promise<void> {
    this.watching = false;
    await this.supervision;
    await Promise.all([this.sidecar.stop(), this.driver.stop()]);
    await this.realDriver?.stop();
  }
}

/** Where an environment's sidecars run (their POD_NAMESPACE): upstream deploys them in a namespace of their own. */
export const SYSTEM_NS = 'cosi-chaos-system';

export interface LocalEnvironmentOptions {
  /**
   * POD_NAMESPACE of the sidecars. A v1alpha1 sidecar's Event sink is bound to it, so Events about Buckets
   * (which go to `default`) are refused unless this is `default`.
   */
  sidecarNamespace?: string;
  /** Told as each phase of the start is reached (etcd ready, kube-apiserver ready, CRDs established, ...). */
  mark?: (phase: string) => void;
  /** The driver names the drivers give (default driverNameFor: one per variant); `up --driver-name`. */
  driverName?: (variant: string) => string;
  /**
   * Where the control plane comes from (a ControlPlanePool: reused between stacks). Default: one started in logDir
   * for this environment and stopped with it.
   */
  plane?: (api: PlaneApi) => Promise<PlaneLease>;
}

/** A plane of its own: started in the stack's folder, stopped when released. */
async function ownPlane(
  api: PlaneApi,
  bins: EnvironmentBinaries,
  dir: string,
  mark?: (phase: string) => void,
): Promise<PlaneLease> {
  const plane = await CosiPlane.start({
    api,
    etcdBinary: bins.etcd,
    kubeApiServerBinary: bins.kubeApiServer,
    dir,
    fresh: false,
    mark,
  });
  let stopped: Promise<void> | undefined;
  return {
    plane,
    reused: false,
    since: Date.now(),
    release: () => {
      stopped ??= plane.stop();
      return stopped;
    },
  };
}

/**
 * One stack on a local control plane for variants that share CRDs (one era, one release's API): the plane
 * (etcd + kube-apiserver + the release's CRDs, its own or lent by a pool), the release's real COSI controller
 * (upstream RBAC, its own ServiceAccount token), and per variant its own mock driver socket, driver name,
 * ServiceAccount and real sidecar process.
 */
export class LocalEnvironment extends ScenarioEnvironment {
  private constructor(
    private readonly lease: PlaneLease,
    private readonly controller: ManagedProcess,
    private readonly assist: V010SidecarAssist | undefined,
    private readonly runtimes: Map<string, VariantRuntime>,
    readonly logDir: string,
    override readonly sidecarNamespace: string,
    objects: CosiObjects,
    private readonly ports: PortReservation[],
    /** The API-server fault proxy, when a scenario here has apiFaults (api-fault-routing.ts). */
    readonly apiFaults?: ApiFaultRoute,
  ) {
    super(runtimes, objects);
  }

  get controlPlane(): LocalControlPlane {
    return this.lease.plane.controlPlane;
  }

  override get auditLogFile(): string {
    return this.lease.plane.auditLogFile;
  }

  override get auditSinceMs(): number {
    return this.lease.since;
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
    opts: LocalEnvironmentOptions = {},
  ): Promise<LocalEnvironment> {
    const first = members[0];
    if (!first) throw new Error('an environment needs at least one variant');
    for (const m of members) {
      if (!sameApi(m.variant, first.variant) || m.controllerBinary !== first.controllerBinary)
        throw new Error(
          `${m.variant.name} and ${first.variant.name} need different CRDs or controllers: they cannot share a control plane`,
        );
    }
    const era = first.variant.era;
    const objects = era === 'v1alpha2' ? V1ALPHA2_OBJECTS : V1ALPHA1_OBJECTS;
    const sidecarNs = opts.sidecarNamespace ?? SYSTEM_NS;
    const label = members.map((m) => m.variant.name).join(', ');
    // Scenarios share a control plane only when they select the same driver (suite-runner's environment key).
    const selection = scenarios.find((s) => s.driver)?.driver;
    if (new Set(scenarios.map((s) => driverKey(s.driver))).size > 1)
      throw new Error(`${label}: scenarios selecting different drivers cannot share a control plane`);
    const api = { era, crds: first.variant.crds };
    // A pool's plane before the drivers: every group of a run asks at once and may wait minutes for one, and
    // drivers started meanwhile would idle (a plane of its own starts beside them, below). Asked before the first
    // await, so the pool queues the groups in the runner's order (longest first).
    if (opts.plane) progress?.(`${label}: taking a control plane from the pool`);
    const asked = opts.plane?.(api);
    asked?.catch(() => {}); // awaited below
    try {
      // A previous run's logs, etcd data and journals must not leak into this one.
      await rm(logDir, { recursive: true, force: true });
      await mkdir(logDir, { recursive: true });
    } catch (err) {
      asked?.then((l) => l.release()).catch(() => {});
      throw err;
    }
    const pooled = await asked;
    // The drivers need no cluster: they start (a Node process each, seconds on two cores) while it does. A real
    // driver (spec.driver) starts first, and the mock driver runs in front of it as the interposer.
    // A driver that reads the cluster (in-cluster config) starts once its ServiceAccount can exist: the gate opens
    // after the CRDs and namespaces are in, and closes with an error if the plane never gets there.
    const needsCluster = driverNeedsCluster(selection);
    let openGate: (c: DriverCluster) => void = () => {};
    let failGate: (e: unknown) => void = () => {};
    const clusterGate = new Promise<DriverCluster>((resolve, reject) => {
      openGate = resolve;
      failGate = reject;
    });
    clusterGate.catch(() => {});
    const realStarts = members.map(async (m) =>
      startRealDriver(selection, {
        id: m.variant.name,
        driverName: (opts.driverName ?? driverNameFor)(m.variant.name),
        workDir: logDir,
        binaries: bins,
        ...(needsCluster ? { cluster: await clusterGate } : {}),
      }),
    );
    if (selection) progress?.(`${label}: starting ${describeDriver(selection)} behind the interposer`);
    const driverStarts = members.map(async (m, i) => {
      const real = await realStarts[i];
      return MockDriverProcess.start({
        id: m.variant.name,
        driverName: (opts.driverName ?? driverNameFor)(m.variant.name),
        rules: [...(real?.harnessRules ?? []), ...scopedRules(scenarios, m.variant.name)],
        workDir: logDir,
        ...(real ? { upstream: real.upstream } : {}),
      });
    });
    // Awaited later; a failure meanwhile must not count as an unhandled rejection.
    for (const d of [...driverStarts, ...realStarts]) d.catch(() => {});
    const stopDrivers = async () => {
      await Promise.all(driverStarts.map((d) => d.then((x) => x.stop()).catch(() => {})));
      await Promise.all(realStarts.map((d) => d.then((x) => x?.stop()).catch(() => {})));
    };
    if (!pooled) progress?.(`${label}: starting etcd and kube-apiserver`);
    const lease =
      pooled ??
      (await ownPlane(api, bins, logDir, opts.mark).catch(async (err: unknown) => {
        failGate(err);
        await stopDrivers();
        throw err;
      }));
    const cp = lease.plane.controlPlane;
    const ports: PortReservation[] = [];
    const port = async (): Promise<number> => {
      const r = await reservePort();
      ports.push(r);
      return r.port;
    };
    const cleanup: (() => Promise<void>)[] = [
      stopDrivers,
      () => lease.release(),
      async () => {
        for (const r of ports) r.release();
      },
    ];
    try {
      const route = await startApiFaultRoute(scenarios, cp, logDir);
      if (route) cleanup.unshift(() => route.proxy.stop());
      // Through the proxy where the scenario routes that component; its own token either way.
      const kubeconfigFor = (through: boolean | undefined, sa: string, token: string, ns: string) =>
        through && route ? route.proxy.kubeconfig(sa, token, ns) : cp.kubeconfigFor(sa, token, ns);
      const admin = cp.adminKubeConfig();
      const namespaces = new Set([SYSTEM_NS, sidecarNs, ...scenarios.map((s) => s.bucketClaim.namespace)]);
      await applyIndependentObjects(
        admin,
        [...namespaces].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
      );
      if (needsCluster) {
        progress?.(`${label}: starting ${describeDriver(selection)} with in-cluster config`);
        openGate({ admin, serverUrl: cp.serverUrl, caPem: cp.apiServer.caPem, namespace: SYSTEM_NS });
      }
      opts.mark?.('namespaces applied');
      const rbac = await upstreamControllerRbac(first.variant.controller, SYSTEM_NS);
      await applyIndependentObjects(admin, [
        ...rbac.objects,
        ...members.flatMap((_, i) => sidecarRbac(`cosi-sidecar-${i}`, sidecarNs)),
      ]);
      const controllerKubeconfig = join(logDir, 'controller.kubeconfig');
      await writeFile(
        controllerKubeconfig,
        kubeconfigFor(
          route?.controller,
          rbac.serviceAccount,
          await requestServiceAccountToken(admin, SYSTEM_NS, rbac.serviceAccount),
          SYSTEM_NS,
        ),
        { mode: 0o600 },
      );
      progress?.(`${label}: starting the ${first.variant.controller.origin} controller`);
      const controller = startController({
        id: 'controller',
        era,
        binary: first.controllerBinary,
        kubeconfigPath: controllerKubeconfig,
        namespace: SYSTEM_NS,
        logDir,
        healthPort: era === 'v1alpha2' ? await port() : undefined,
        metricsPort: era === 'v1alpha2' ? await port() : undefined,
      });
      cleanup.unshift(() => controller.stop());
      opts.mark?.('controller started');
      // Only the release that needs it gets help, and its results say so (SidecarVariant.deviation).
      let assist: V010SidecarAssist | undefined;
      if (members.some((m) => m.variant.deviation)) {
        // The harness's own help, with the harness's credentials: upstream's controller RBAC has no bucket status.
        assist = V010SidecarAssist.start(admin);
        cleanup.unshift(() => (assist as V010SidecarAssist).stop());
      }

      const runtimes = new Map<string, VariantRuntime>();
      for (const [i, m] of members.entries()) {
        progress?.(`${m.variant.name}: starting mock driver and sidecar`);
        const driver = await (driverStarts[i] as Promise<MockDriverProcess>);
        const sa = `cosi-sidecar-${i}`;
        const kubeconfig = join(logDir, `sidecar-${m.variant.name}.kubeconfig`);
        await writeFile(
          kubeconfig,
          kubeconfigFor(
            route?.sidecar,
            sa,
            await requestServiceAccountToken(admin, sidecarNs, sa),
            sidecarNs,
          ),
          { mode: 0o600 },
        );
        const healthPort = era === 'v1alpha2' ? await port() : undefined;
        const metricsPort = era === 'v1alpha2' ? await port() : undefined;
        const launch = () =>
          startSidecar({
            variant: m.variant.name,
            era,
            binary: m.sidecarBinary,
            kubeconfigPath: kubeconfig,
            driverSocket: driver.socketPath,
            namespace: sidecarNs,
            logDir,
            healthPort,
            metricsPort,
            timeScale: m.variant.timeScale,
          });
        const rt = new VariantRuntime(
          m.variant,
          i,
          driver,
          launch(),
          launch,
          metricsPort ? `http://127.0.0.1:${metricsPort}/metrics` : undefined,
          `system:serviceaccount:${sidecarNs}:${sa}`,
          await realStarts[i],
          (opts.driverName ?? driverNameFor)(m.variant.name),
        );
        runtimes.set(m.variant.name, rt);
        cleanup.unshift(() => rt.stop());
      }
      const env = new LocalEnvironment(
        lease,
        controller,
        assist,
        runtimes,
        logDir,
        sidecarNs,
        objects,
        ports,
        route,
      );
      opts.mark?.('drivers and sidecars started');
      for (const rt of runtimes.values()) await env.waitForSidecar(rt);
      opts.mark?.('controller and sidecars ready');
      return env;
    } catch (err) {
      failGate(err);
      for (const c of cleanup) await c().catch(() => {});
      throw err;
    }
  }

  /**
   * The sidecar is serving once it has called DriverGetInfo and, in v1alpha1 (leader election always on), holds
   * its leader Lease. v1alpha2 elects no leader by default.
   */
  private async waitForSidecar(rt: VariantRuntime, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const leases = timedApiClient(this.controlPlane.adminKubeConfig(), CoordinationV1Api);
    const leaseName = rt.driverName.replace(/\./g, '-');
    const needsLease = rt.variant.era === 'v1alpha1';
    while (Date.now() < deadline && rt.restarts === 0) {
      const calls = await rt.driver.admin.journal({ rpc: 'getInfo' }).catch(() => []);
      const held =
        !needsLease ||
        (await leases
          .listNamespacedLease({ namespace: this.sidecarNamespace })
          .then((l) => l.items.some((i) => i.metadata?.name?.startsWith(leaseName) && i.spec?.holderIdentity))
          .catch(() => false));
      if (calls.length > 0 && held) return;
      await sleep(200);
    }
    const sc = rt.sidecar;
    throw new ProcessStartError(
      `sidecar/${rt.variant.name}`,
      sc.spec.binary,
      rt.restarts > 0 || sc.hasExited
        ? 'exited while starting'
        : needsLease
          ? 'did not call DriverGetInfo and take its leader Lease in time'
          : 'did not call DriverGetInfo in time',
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
    const steps = [
      () => this.assist?.stop() ?? Promise.resolve(),
      () => this.controller.stop(),
      () => this.apiFaults?.proxy.stop() ?? Promise.resolve(),
      // Its own plane is stopped; a pool's is reset for the next stack.
      () => this.lease.release(),
    ];
    for (const step of steps) await step().catch((e: unknown) => errors.push(e));
    for (const r of this.ports) r.release();
    if (errors.length) throw new AggregateError(errors, 'stopping the local environment failed');
  }
}
