import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { ClusterTurns } from '../../backends/index.ts';
import {
  type BackendHandle,
  type BackendName,
  type ClusterBackend,
  type StackVariant,
  VARIANT_LABEL,
  variantSuffix,
} from '../../backends/index.ts';
import { timedApiClient } from '../../cosi/timed-api-client.ts';
import { V1ALPHA1_OBJECTS } from '../../cosi/v1alpha1-objects.ts';
import { V1ALPHA2_OBJECTS } from '../../cosi/v1alpha2-objects.ts';
import { V010SidecarAssist } from '../../cosi/v010-sidecar-assist.ts';
import { DriverAdminClient } from '../../driver/driver-admin-client.ts';
import type { ComponentVersion } from '../../results/run-results.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../../variants/sidecar-variants.ts';
import {
  driverNameFor,
  ScenarioEnvironment,
  scopedRules,
  type VariantHandle,
} from './scenario-environment.ts';

const GROUP = 'objectstorage.k8s.io';
const SIDECAR_CONTAINER = 'objectstorage-sidecar';

/** One variant on a cluster: the sidecar image that runs it. */
export interface ClusterMember {
  variant: SidecarVariant;
  sidecarImage: string;
}

export interface ClusterEnvironmentOptions {
  members: ClusterMember[];
  scenarios: Scenario[];
  /** The backend for these driver + sidecar pairs (kind, an existing cluster, k3s). */
  backend: (variants: StackVariant[]) => ClusterBackend;
  /** Logs of the sidecars, drivers and controller are written here by stop() (and on a failed start). */
  logDir: string;
  progress?: (detail: string) => void;
  /** How long each sidecar gets to call DriverGetInfo and take its Lease after the rollout; default 120 s. */
  readyTimeoutMs?: number;
  /** How often pod restart counts are read; default 2 s. */
  pollIntervalMs?: number;
  /** How long stop() waits for deleted scenario objects to go before clearing their finalizers; default 20 s. */
  cleanupTimeoutMs?: number;
  /** Shared by every environment of one cluster: each release waits for the previous one to be removed. */
  turns?: ClusterTurns;
}

/** A sidecar on a cluster never became a serving COSI sidecar (no DriverGetInfo call and Lease) in time. */
export class ClusterSidecarError extends Error {
  override readonly name = 'ClusterSidecarError';
  constructor(
    readonly backend: BackendName,
    readonly variant: string,
    readonly namespace: string,
    readonly reason: string,
    readonly logDir: string,
  ) {
    super(
      `sidecar of ${variant} on the ${backend} backend ${reason} (namespace ${namespace}); ` +
        `its logs are in ${logDir}`,
    );
  }
}

/** The driver + sidecar pairs a run deploys: driver names and per-scenario rules as the local environment uses. */
export function stackVariantsFor(members: ClusterMember[], scenarios: Scenario[]): StackVariant[] {
  return members.map((m) => ({
    name: m.variant.name,
    variant: m.variant,
    driverName: driverNameFor(m.variant.name),
    sidecarImage: m.sidecarImage,
    rules: stringify({ rules: scopedRules(scenarios, m.variant.name) }),
  }));
}

/**
 * A variant's handle on a cluster: its driver's admin API through the backend's port-forward, and the restarts of
 * its sidecar container as the kubelet counts them (restartCount, lastState.terminated.finishedAt), read by a poll.
 */
export class ClusterVariantHandle implements VariantHandle {
  private readonly times: number[] = [];
  // Restart counts already recorded, per pod UID (a replaced pod starts again at 0).
  private readonly seen = new Map<string, number>();
  private logRead: Promise<void> | undefined;
  private logReadAt = 0;

  constructor(
    readonly variant: SidecarVariant,
    readonly index: number,
    readonly driver: { readonly admin: DriverAdminClient },
    private readonly onRead: () => void,
    /** Where refreshSidecarLog() writes the sidecar container's log, for the same readers as a local sidecar's. */
    readonly sidecarLogFile?: string,
    private readonly readLog?: () => Promise<string | undefined>,
  ) {}

  /** Copies the sidecar's log from the cluster into sidecarLogFile (at most once a second; concurrent calls share). */
  refreshSidecarLog(): Promise<void> {
    const file = this.sidecarLogFile;
    const read = this.readLog;
    if (!file || !read) return Promise.resolve();
    if (this.logRead) return this.logRead;
    if (Date.now() - this.logReadAt < 1000) return Promise.resolve();
    this.logRead = (async () => {
      const text = await read().catch(() => undefined);
      if (text !== undefined) await writeFile(file, text);
      this.logReadAt = Date.now();
    })().finally(() => {
      this.logRead = undefined;
    });
    return this.logRead;
  }

  /** Sidecar restarts seen so far (reading it asks for a fresh poll). */
  get restarts(): number {
    this.onRead();
    return this.times.length;
  }

  /** When each restart happened (ms since epoch); reading it asks for a fresh poll. */
  get restartTimes(): number[] {
    this.onRead();
    return [...this.times];
  }

  /** Records restarts the pod's sidecar container status shows beyond those already seen. */
  observe(pod: V1Pod, now: number): void {
    const uid = pod.metadata?.uid ?? pod.metadata?.name ?? '';
    const status = pod.status?.containerStatuses?.find((c) => c.name === SIDECAR_CONTAINER);
    const count = status?.restartCount ?? 0;
    const before = this.seen.get(uid) ?? 0;
    if (count <= before) return;
    this.seen.set(uid, count);
    const finished = status?.lastState?.terminated?.finishedAt;
    const at = finished ? new Date(finished).getTime() : now;
    // The kubelet keeps only the last termination: restarts between two polls all get its time.
    for (let i = before; i < count; i++) this.times.push(Number.isNaN(at) ? now : at);
  }
}

/**
 * The scenario environment on a cluster a backend brought up: the real COSI controller and one driver + sidecar
 * Deployment per variant run in the cluster; scenario objects go through the backend's kubeconfig. Needs no local
 * binaries. stop() writes the pods' logs to logDir, removes the scenario objects and namespaces it created, then
 * stops the backend (kind deletes its cluster unless kept; an existing cluster loses only what was created).
 */
export class ClusterEnvironment extends ScenarioEnvironment {
  private readonly kc: KubeConfig;
  private readonly applied = new Set<string>();
  private readonly createdNamespaces: string[] = [];
  private polling = true;
  private poller: Promise<void> = Promise.resolve();
  private refresh: Promise<void> | undefined;
  private lastPoll = 0;
  private stopped: Promise<void> | undefined;

  private assist: V010SidecarAssist | undefined;
  private deployed: ComponentVersion[] = [];

  private constructor(
    readonly handle: BackendHandle,
    private readonly handles: Map<string, ClusterVariantHandle>,
    private readonly opts: ClusterEnvironmentOptions,
    private readonly releaseTurn: () => void,
  ) {
    super(handles, opts.members[0]?.variant.era === 'v1alpha2' ? V1ALPHA2_OBJECTS : V1ALPHA1_OBJECTS);
    this.kc = new KubeConfig();
    this.kc.loadFromFile(handle.kubeconfigPath);
  }

  kubeConfig(): KubeConfig {
    return this.kc;
  }

  /** Brings the backend up, connects to every variant's driver and waits until each sidecar serves. */
  static async start(opts: ClusterEnvironmentOptions): Promise<ClusterEnvironment> {
    const variants = stackVariantsFor(opts.members, opts.scenarios);
    const backend = opts.backend(variants);
    const label = opts.members.map((m) => m.variant.name).join(', ');
    const release = (await opts.turns?.take()) ?? (() => {});
    opts.progress?.(`${label}: bringing up the ${backend.name} backend`);
    const handle = await backend.up().catch((err: unknown) => {
      release();
      throw err;
    });
    const handles = new Map<string, ClusterVariantHandle>();
    let env: ClusterEnvironment | undefined;
    try {
      const onRead = () => env?.requestPoll();
      const liveLogs = join(opts.logDir, 'live');
      await mkdir(liveLogs, { recursive: true });
      for (const [i, m] of opts.members.entries()) {
        const url = await handle.driverAdminUrl(m.variant.name);
        handles.set(
          m.variant.name,
          new ClusterVariantHandle(
            m.variant,
            i,
            { admin: new DriverAdminClient(url) },
            onRead,
            join(liveLogs, `${m.variant.name}.objectstorage-sidecar.log`),
            () => env?.sidecarLogOf(m.variant) ?? Promise.resolve(undefined),
          ),
        );
      }
      env = new ClusterEnvironment(handle, handles, opts, release);
      // As locally: only the release that needs the harness's help gets it, and its results say so.
      if (opts.members.some((m) => m.variant.deviation)) env.assist = V010SidecarAssist.start(env.kc);
      await env.ensureNamespaces(opts.scenarios);
      opts.progress?.(`${label}: waiting for the sidecars to call DriverGetInfo and take their Leases`);
      for (const h of handles.values()) await env.waitForSidecar(h, opts.readyTimeoutMs ?? 120_000);
      env.deployed = await env.readDeployedImages();
      env.poller = env.pollLoop();
      return env;
    } catch (err) {
      if (env) await env.stop().catch(() => undefined);
      else {
        await handle.collectLogs(opts.logDir).catch(() => undefined);
        await handle.stop().catch(() => undefined);
        release();
      }
      throw err;
    }
  }

  override deployedComponents(): ComponentVersion[] {
    return this.deployed;
  }

  // Each container's image as the pod spec names it and the digest the node resolved it to (containerStatuses).
  private async readDeployedImages(): Promise<ComponentVersion[]> {
    const pods = await timedApiClient(this.kc, CoreV1Api)
      .listNamespacedPod({ namespace: this.handle.namespace })
      .catch(() => undefined);
    const out: ComponentVersion[] = [];
    for (const pod of pods?.items ?? []) {
      const variant = pod.metadata?.labels?.[VARIANT_LABEL];
      for (const c of pod.status?.containerStatuses ?? []) {
        const name = variant ? `${c.name} image (${variant})` : `${c.name} image`;
        if (out.some((o) => o.name === name)) continue;
        // containerStatuses[].image is whichever tag containerd lists first for that image ID, not
        // necessarily the one asked for (two tags of one image): the spec says what was asked.
        const asked = pod.spec?.containers.find((s) => s.name === c.name)?.image ?? c.image;
        out.push({
          name,
          version: c.imageID || 'unresolved',
          source: `${asked} on the ${this.handle.backend} backend${asked === c.image ? '' : ` (the node lists it as ${c.image})`}`,
          path: asked,
        });
      }
    }
    return out;
  }

  /** Writes sidecar, driver and controller logs into `dir`; never throws for a container it cannot read. */
  collectLogs(dir: string): Promise<string[]> {
    return this.handle.collectLogs(dir);
  }

  override async applyScenario(s: Scenario, variant: string): Promise<void> {
    this.applied.add(`${s.name}\n${variant}`);
    await super.applyScenario(s, variant);
  }

  // Scenario namespaces other than those that exist are created here and deleted by stop().
  private async ensureNamespaces(scenarios: Scenario[]): Promise<void> {
    const core = timedApiClient(this.kc, CoreV1Api);
    for (const name of new Set(scenarios.map((s) => s.bucketClaim.namespace))) {
      const exists = await core.readNamespace({ name }).then(
        () => true,
        (e: unknown) => {
          if ((e as { code?: number }).code === 404) return false;
          throw e;
        },
      );
      if (exists) continue;
      await core.createNamespace({
        body: { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'cosi-chaos' } } },
      });
      this.createdNamespaces.push(name);
    }
  }

  // As the local environment: serving once the driver saw DriverGetInfo and the sidecar holds its leader Lease.
  private async waitForSidecar(h: ClusterVariantHandle, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const leases = timedApiClient(this.kc, CoordinationV1Api);
    const leaseName = driverNameFor(h.variant.name).replace(/\./g, '-');
    let calledGetInfo = false;
    while (Date.now() < deadline) {
      calledGetInfo ||= (await h.driver.admin.journal({ rpc: 'getInfo' }).catch(() => [])).length > 0;
      const held = await leases
        .listNamespacedLease({ namespace: this.handle.namespace })
        .then((l) => l.items.some((i) => i.metadata?.name?.startsWith(leaseName) && i.spec?.holderIdentity))
        .catch(() => false);
      // v1alpha2 elects no leader by default: DriverGetInfo is its whole start.
      if (calledGetInfo && (held || h.variant.era === 'v1alpha2')) return;
      await sleep(500);
    }
    throw new ClusterSidecarError(
      this.handle.backend,
      h.variant.name,
      this.handle.namespace,
      calledGetInfo
        ? `called DriverGetInfo but took no Lease with prefix ${leaseName} within ${timeoutMs / 1000}s`
        : `did not call DriverGetInfo within ${timeoutMs / 1000}s`,
      this.opts.logDir,
    );
  }

  /**
   * The log of the variant's sidecar container, as its pod holds it now (the log the witnesses and the refused
   * Events are read from). The container runs in UTC, as klog's times are then read on a UTC harness.
   */
  async sidecarLogOf(variant: SidecarVariant): Promise<string | undefined> {
    const core = timedApiClient(this.kc, CoreV1Api);
    const label = variantSuffix(variant.name).slice(1);
    const pods = await core.listNamespacedPod({
      namespace: this.handle.namespace,
      labelSelector: `${VARIANT_LABEL}=${label}`,
    });
    const pod = pods.items
      .filter((p) => !p.metadata?.deletionTimestamp)
      .sort(
        (a, b) =>
          (b.metadata?.creationTimestamp?.getTime() ?? 0) - (a.metadata?.creationTimestamp?.getTime() ?? 0),
      )[0];
    const name = pod?.metadata?.name;
    if (!name) return undefined;
    return core.readNamespacedPodLog({
      name,
      namespace: this.handle.namespace,
      container: SIDECAR_CONTAINER,
    });
  }

  private requestPoll(): void {
    if (!this.polling || this.refresh || Date.now() - this.lastPoll < 1000) return;
    this.refresh = this.pollOnce().finally(() => {
      this.refresh = undefined;
    });
  }

  private async pollOnce(): Promise<void> {
    const pods = await timedApiClient(this.kc, CoreV1Api)
      .listNamespacedPod({ namespace: this.handle.namespace, labelSelector: VARIANT_LABEL })
      .catch(() => undefined);
    this.lastPoll = Date.now();
    if (!pods) return;
    for (const h of this.handles.values()) {
      const label = variantSuffix(h.variant.name).slice(1);
      for (const pod of pods.items)
        if (pod.metadata?.labels?.[VARIANT_LABEL] === label) h.observe(pod, this.lastPoll);
    }
  }

  private async pollLoop(): Promise<void> {
    const interval = this.opts.pollIntervalMs ?? 2000;
    while (this.polling) {
      await this.pollOnce();
      const until = Date.now() + interval;
      while (this.polling && Date.now() < until) await sleep(Math.min(200, interval));
    }
  }

  // Accesses, claims, then classes; waits for the controller and sidecars to finish them, then clears the
  // finalizers of what is left so nothing of the run stays in a cluster that lives on.
  private async removeScenarioObjects(): Promise<void> {
    const co = this.api();
    const V = this.objects.version;
    type Ref = { plural: string; name: string; namespace?: string };
    const namespaced: (Ref & { namespace: string })[] = [];
    const cluster: Ref[] = [];
    for (const key of this.applied) {
      const [scenarioName, variant] = key.split('\n') as [string, string];
      const s = this.opts.scenarios.find((x) => x.name === scenarioName);
      if (!s) continue;
      const n = this.namesFor(s, variant);
      const ns = s.bucketClaim.namespace;
      if (n.accessName) namespaced.push({ plural: 'bucketaccesses', namespace: ns, name: n.accessName });
      const claim = await this.readStatus('bucketclaims', n.claimName, ns);
      namespaced.push({ plural: 'bucketclaims', namespace: ns, name: n.claimName });
      if (typeof claim?.bucketName === 'string') cluster.push({ plural: 'buckets', name: claim.bucketName });
      cluster.push({ plural: 'bucketclasses', name: n.className });
      if (n.accessClassName) cluster.push({ plural: 'bucketaccessclasses', name: n.accessClassName });
    }
    const notFound = (e: unknown) => {
      if ((e as { code?: number }).code !== 404) throw e;
    };
    for (const o of namespaced)
      await co
        .deleteNamespacedCustomObject({ group: GROUP, version: V, ...o })
        .then(() => undefined, notFound);
    // A Bucket of a Retain class stays after its claim: it is deleted too (the mock driver holds nothing real).
    for (const o of cluster)
      await co.deleteClusterCustomObject({ group: GROUP, version: V, ...o }).then(() => undefined, notFound);
    const deadline = Date.now() + (this.opts.cleanupTimeoutMs ?? 20_000);
    const exists = async (o: Ref) =>
      (o.namespace
        ? co.getNamespacedCustomObject({ group: GROUP, version: V, ...o, namespace: o.namespace })
        : co.getClusterCustomObject({ group: GROUP, version: V, ...o })
      ).then(
        () => true,
        () => false,
      );
    const all: Ref[] = [...namespaced, ...cluster];
    let left = all;
    while (left.length && Date.now() < deadline) {
      left = (await Promise.all(all.map(async (o) => ((await exists(o)) ? o : undefined)))).filter(
        (o) => o !== undefined,
      );
      if (left.length) await sleep(500);
    }
    const patch = [{ op: 'remove', path: '/metadata/finalizers' }];
    for (const o of left) {
      await (o.namespace
        ? co.patchNamespacedCustomObject({
            group: GROUP,
            version: V,
            ...o,
            namespace: o.namespace,
            body: patch,
          })
        : co.patchClusterCustomObject({ group: GROUP, version: V, ...o, body: patch })
      ).catch(() => undefined);
    }
  }

  /** Idempotent: logs into logDir, scenario objects and created namespaces removed, then the backend stopped. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.polling = false;
      await this.assist?.stop();
      await this.poller;
      await this.refresh;
      const errors: unknown[] = [];
      await this.handle.collectLogs(this.opts.logDir).catch((e: unknown) => errors.push(e));
      await this.removeScenarioObjects().catch((e: unknown) => errors.push(e));
      const core = timedApiClient(this.kc, CoreV1Api);
      for (const name of this.createdNamespaces)
        await core.deleteNamespace({ name }).catch((e: unknown) => errors.push(e));
      await this.handle.stop().catch((e: unknown) => errors.push(e));
      this.releaseTurn();
      if (errors.length)
        throw new AggregateError(errors, `stopping the ${this.handle.backend} environment failed`);
    })();
    return this.stopped;
  }
}
