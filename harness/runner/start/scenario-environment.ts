import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { type CosiItem, type CosiObjects, COSI_GROUP as GROUP } from '../../cosi/cosi-objects.ts';
import { applyObjects } from '../../cosi/kube-apply.ts';
import { timedApiClient } from '../../cosi/timed-api-client.ts';
import { V1ALPHA1_OBJECTS } from '../../cosi/v1alpha1-objects.ts';
import type { DriverAdminClient } from '../../driver/driver-admin-client.ts';
import type { RealDriver } from '../../driver/real-driver-stack.ts';
import type { ComponentVersion, EventSummary, ObjectStatus } from '../../results/run-results.ts';
import { SCENARIO_PARAMETER } from '../../scenarios/scenario-loader.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../../variants/sidecar-variants.ts';
import { applyClaimFleet } from './claim-fleet.ts';
import { driverNameFor, type ObjectNames, type ObjectTarget } from './object-names.ts';

export { driverNameFor, type ObjectNames } from './object-names.ts';

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

/** What the runner needs of one variant inside an environment: its driver's journal and its restarts. */
export interface VariantHandle {
  readonly variant: SidecarVariant;
  /** Position in the environment; suffixes object names when several variants share it. */
  readonly index: number;
  /** The driver's admin API, and its process where the harness started it (scale results read its memory). */
  readonly driver: { readonly admin: DriverAdminClient; readonly process?: { readonly pid: number } };
  readonly restarts: number;
  readonly restartTimes: number[];
  /** The sidecar's log file, where the harness can read it (local processes; a copy on clusters). */
  readonly sidecarLogFile?: string;
  /** Brings sidecarLogFile up to date where it is a copy (a cluster's pod log); call before reading it. */
  refreshSidecarLog?(): Promise<void>;
  /** The sidecar's Prometheus endpoint (v1alpha2), where the harness can reach it. */
  readonly metricsUrl?: string;
  /** The sidecar's user as the API server authenticates it (system:serviceaccount:NS:NAME). */
  readonly sidecarUser?: string;
  /** The real driver behind the variant's interposer (spec.driver, local backend). */
  readonly realDriver?: RealDriver;
  /** The name its driver gives, where not driverNameFor(variant) (a stack started with --driver-name). */
  readonly driverName?: string;
}

/** Which scenario objects are far enough along to be triggered, each as "namespace/name". */
export interface Readiness {
  /** Ready, bound, and its Bucket ready with the driver's id. */
  readyClaims: Set<string>;
  /** Carrying the controller's finalizer. */
  protectedClaims: Set<string>;
  grantedAccesses: Set<string>;
  /** Claims whose bound Bucket is provisioned, whatever the claim's own status says. */
  bucketProvisionedClaims: Set<string>;
  /** The resourceVersion of every claim and access, as "claim:namespace/name" / "access:namespace/name". */
  versions: Map<string, string>;
}

/** What a failed read knows: nothing is ready. */
export function noReadiness(): Readiness {
  return {
    readyClaims: new Set(),
    protectedClaims: new Set(),
    grantedAccesses: new Set(),
    bucketProvisionedClaims: new Set(),
    versions: new Map(),
  };
}

/**
 * A cluster with the v1alpha1 COSI API and one or more sidecar variants, each with its own mock driver: the
 * scenario objects are created, triggered and inspected here the same way whatever runs the cluster (local
 * control plane, kind, an existing cluster).
 */
export abstract class ScenarioEnvironment implements ObjectTarget {
  constructor(
    readonly members: Map<string, VariantHandle>,
    /** The COSI API era of this cluster's CRDs: every member shares it. */
    readonly objects: CosiObjects = V1ALPHA1_OBJECTS,
  ) {}

  private get V(): string {
    return this.objects.version;
  }

  /** POD_NAMESPACE of the sidecars, where the environment knows it. */
  readonly sidecarNamespace?: string;

  /** Images the environment's pods actually run, with the digests the nodes resolved (cluster backends). */
  deployedComponents(): ComponentVersion[] {
    return [];
  }

  /** The kube-apiserver's audit log, where the harness can read it (the local control plane). */
  get auditLogFile(): string | undefined {
    return undefined;
  }

  /** Where the audit log began to be this environment's (epoch ms): a reused plane's log holds earlier stacks. */
  get auditSinceMs(): number | undefined {
    return undefined;
  }

  /** Credentials the harness uses for scenario objects. */
  abstract kubeConfig(): KubeConfig;

  /** Stops everything this environment started. */
  abstract stop(): Promise<void>;

  member(variant: string): VariantHandle {
    const rt = this.members.get(variant);
    if (!rt) throw new Error(`variant ${variant} is not part of this environment`);
    return rt;
  }

  /** Object names for a scenario and variant: exact when the variant is alone here, suffixed otherwise. */
  namesFor(s: Scenario, variant: string): ObjectNames {
    const suffix = this.members.size > 1 ? `-${this.member(variant).index}` : '';
    return {
      className: `${s.bucketClass.name}${suffix}`,
      claimName: `${s.bucketClaim.name}${suffix}`,
      accessClassName: s.access ? `${s.access.className}${suffix}` : undefined,
      accessName: s.access ? `${s.access.name}${suffix}` : undefined,
    };
  }

  /** Creates the scenario's BucketClass (driver = the variant's mock driver) and BucketClaim, and access class. */
  async applyScenario(s: Scenario, variant: string): Promise<void> {
    if (s.scale) return applyClaimFleet(this, s, variant);
    const n = this.namesFor(s, variant);
    const driverName = this.member(variant).driverName ?? driverNameFor(variant);
    // What the real driver needs on its classes (the Scality driver: the Secret naming its S3 server).
    const driverNeeds = this.member(variant).realDriver?.classParameters ?? {};
    const o = this.objects;
    const objects = [
      o.bucketClass({
        name: n.className,
        driverName,
        deletionPolicy: s.bucketClass.deletionPolicy,
        parameters: { ...driverNeeds, ...s.bucketClass.parameters, [SCENARIO_PARAMETER]: s.name },
      }),
      o.bucketClaim({
        name: n.claimName,
        namespace: s.bucketClaim.namespace,
        className: n.className,
        protocols: s.bucketClaim.protocols,
      }),
    ];
    if (s.access) {
      objects.push(
        o.bucketAccessClass({
          name: n.accessClassName as string,
          driverName,
          deletionPolicy: 'Delete',
          parameters: { ...driverNeeds, ...s.access.parameters, [SCENARIO_PARAMETER]: s.name },
        }),
      );
    }
    await applyObjects(this.kubeConfig(), objects);
  }

  private customObjects: CustomObjectsApi | undefined;

  /** The custom-objects client, made once from kubeConfig(). */
  protected api(): CustomObjectsApi {
    this.customObjects ??= timedApiClient(this.kubeConfig(), CustomObjectsApi);
    return this.customObjects;
  }

  /** A COSI object's status, or undefined when it does not exist (or cannot be read). */
  protected async readStatus(
    plural: string,
    name: string,
    namespace?: string,
  ): Promise<Record<string, unknown> | undefined> {
    const read = namespace
      ? this.api().getNamespacedCustomObject({ group: GROUP, version: this.V, namespace, plural, name })
      : this.api().getClusterCustomObject({ group: GROUP, version: this.V, plural, name });
    const obj = (await read.catch(() => undefined)) as { status?: Record<string, unknown> } | undefined;
    return obj ? (obj.status ?? {}) : undefined;
  }

  /** An object's status, and whether it is being deleted and what holds it (for the result). */
  private async readObject(
    kind: string,
    plural: string,
    name: string,
    namespace?: string,
  ): Promise<ObjectStatus | undefined> {
    const read = namespace
      ? this.api().getNamespacedCustomObject({ group: GROUP, version: this.V, namespace, plural, name })
      : this.api().getClusterCustomObject({ group: GROUP, version: this.V, plural, name });
    const obj = (await read.catch(() => undefined)) as
      | {
          status?: Record<string, unknown>;
          metadata?: { deletionTimestamp?: string | Date; finalizers?: string[] };
        }
      | undefined;
    if (!obj) return undefined;
    const deleting = obj.metadata?.deletionTimestamp;
    return {
      kind,
      name,
      ...(namespace ? { namespace } : {}),
      status: obj.status ?? {},
      ...(deleting
        ? {
            deletionTimestamp: deleting instanceof Date ? deleting.toISOString() : String(deleting),
            finalizers: obj.metadata?.finalizers ?? [],
          }
        : {}),
    };
  }

  /** One read of every claim, Bucket and access: which claims are set up and which accesses granted, by name. */
  async readiness(): Promise<Readiness> {
    type Item = CosiItem & { metadata: { namespace?: string } };
    const list = async (plural: string) =>
      (
        (await this.api().listClusterCustomObject({ group: GROUP, version: this.V, plural })) as {
          items: Item[];
        }
      ).items;
    const [claims, buckets, accesses] = await Promise.all([
      list('bucketclaims'),
      list('buckets'),
      list('bucketaccesses'),
    ]);
    const keys = (items: Item[], keep: (item: Item) => boolean) =>
      new Set(items.filter(keep).map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
    const readyBuckets = new Set(
      buckets.filter((b) => this.objects.bucketReady(b)).map((b) => b.metadata.name),
    );
    const bucketProvisioned = (c: Item) =>
      readyBuckets.has(this.objects.boundBucketName(c.status ?? {}) ?? '');
    return {
      protectedClaims: keys(claims, (c) => this.objects.claimProtected(c)),
      // Ready, bound, and its Bucket provisioned: a claim whose controller never wrote the bucket's name cannot be
      // granted or deleted through (the v0.1 controller's status write can lose to the sidecar's: upstream issue
      // #173), and the 6a5a12c sidecar marks a claim ready before its Bucket is protected and ready.
      readyClaims: keys(claims, (c) => this.objects.claimReady(c) && bucketProvisioned(c)),
      bucketProvisionedClaims: keys(claims, bucketProvisioned),
      grantedAccesses: keys(accesses, (a) => this.objects.accessGranted(a)),
      versions: new Map([
        ...claims.map(
          (c) =>
            [`claim:${c.metadata.namespace}/${c.metadata.name}`, c.metadata.resourceVersion ?? ''] as const,
        ),
        ...accesses.map(
          (a) =>
            [`access:${a.metadata.namespace}/${a.metadata.name}`, a.metadata.resourceVersion ?? ''] as const,
        ),
      ]),
    };
  }

  async deleteClaim(s: Scenario, variant: string): Promise<void> {
    const n = this.namesFor(s, variant);
    await this.api().deleteNamespacedCustomObject({
      group: GROUP,
      version: this.V,
      namespace: s.bucketClaim.namespace,
      plural: 'bucketclaims',
      name: n.claimName,
    });
  }

  async createAccess(s: Scenario, variant: string): Promise<void> {
    const n = this.namesFor(s, variant);
    await this.api().createNamespacedCustomObject({
      group: GROUP,
      version: this.V,
      namespace: s.bucketClaim.namespace,
      plural: 'bucketaccesses',
      body: this.objects.bucketAccess({
        name: n.accessName as string,
        namespace: s.bucketClaim.namespace,
        claimName: n.claimName,
        className: n.accessClassName as string,
      }),
    });
  }

  async deleteAccess(s: Scenario, variant: string): Promise<void> {
    const n = this.namesFor(s, variant);
    await this.api().deleteNamespacedCustomObject({
      group: GROUP,
      version: this.V,
      namespace: s.bucketClaim.namespace,
      plural: 'bucketaccesses',
      name: n.accessName as string,
    });
  }

  /** Bucket, BucketClaim (and BucketAccess) status and the Events on them, at the end of the window. */
  async inspect(s: Scenario, variant: string): Promise<{ objects: ObjectStatus[]; events: EventSummary[] }> {
    const n = this.namesFor(s, variant);
    const ns = s.bucketClaim.namespace;
    const objects: ObjectStatus[] = [];
    const names = [n.claimName];
    const claim = await this.readObject('BucketClaim', 'bucketclaims', n.claimName, ns);
    if (claim) objects.push(claim);
    const bucketName = claim ? this.objects.boundBucketName(claim.status) : undefined;
    if (bucketName) {
      names.push(bucketName);
      const bucket = await this.readObject('Bucket', 'buckets', bucketName);
      if (bucket) objects.push(bucket);
    }
    if (n.accessName) {
      names.push(n.accessName);
      const ba = await this.readObject('BucketAccess', 'bucketaccesses', n.accessName, ns);
      if (ba) objects.push(ba);
    }
    const core = timedApiClient(this.kubeConfig(), CoreV1Api);
    const events: EventSummary[] = [];
    for (const name of names) {
      const list = await core
        .listEventForAllNamespaces({ fieldSelector: `involvedObject.name=${name}` })
        .catch(() => ({ items: [] }));
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
}
