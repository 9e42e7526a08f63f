import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { removeCosiObject } from '../cosi/cosi-object-removal.ts';
import { COSI_GROUP as GROUP } from '../cosi/cosi-objects.ts';
import { applyObjects } from '../cosi/kube-apply.ts';
import { timedApiClient } from '../cosi/timed-api-client.ts';
import { V1ALPHA1_OBJECTS } from '../cosi/v1alpha1-objects.ts';
import { V1ALPHA2_OBJECTS } from '../cosi/v1alpha2-objects.ts';
import { DriverAdminClient } from '../driver/driver-admin-client.ts';
import { ScenarioEnvironment, type VariantHandle } from '../runner/start/scenario-environment.ts';
import type { Scenario } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import type { LiveStackPlane } from './stack-state.ts';

/** A COSI object this run created, to be removed when it ends. */
interface OwnObject {
  plural: string;
  name: string;
  namespace?: string;
}

/**
 * One control plane of a running `up`, seen by an attached run: the stack's processes, this run's objects. Stopping
 * it deletes the objects the run created (never the stack); `release()` then clears whatever a driver rule still
 * holds (finalizers of objects its failing deletes keep) once the run's rules are out of the drivers.
 */
export class AttachedEnvironment extends ScenarioEnvironment {
  private readonly kc = new KubeConfig();
  private readonly own: OwnObject[] = [];
  override readonly sidecarNamespace: string;

  constructor(
    readonly plane: LiveStackPlane,
    variants: SidecarVariant[],
  ) {
    const members = new Map<string, VariantHandle>();
    for (const v of variants) {
      const s = plane.variants.find((x) => x.name === v.name);
      if (!s) continue;
      members.set(v.name, {
        variant: v,
        index: s.index,
        driver: { admin: new DriverAdminClient(s.adminUrl) },
        restarts: 0,
        restartTimes: [],
        sidecarLogFile: s.sidecarLog,
        ...(s.metricsUrl ? { metricsUrl: s.metricsUrl } : {}),
        sidecarUser: s.sidecarUser,
        driverName: s.driverName,
      });
    }
    super(members, plane.era === 'v1alpha2' ? V1ALPHA2_OBJECTS : V1ALPHA1_OBJECTS);
    this.kc.loadFromFile(plane.kubeconfig);
    this.sidecarNamespace = plane.sidecarNamespace;
  }

  override get auditLogFile(): string {
    return this.plane.auditLog;
  }

  kubeConfig(): KubeConfig {
    return this.kc;
  }

  // The stack was started without this scenario's namespace: made here (and left: other runs may use it).
  override async applyScenario(s: Scenario, variant: string): Promise<void> {
    const n = this.namesFor(s, variant);
    const ns = s.bucketClaim.namespace;
    await applyObjects(this.kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
    this.own.push(
      { plural: 'bucketclaims', name: n.claimName, namespace: ns },
      { plural: 'bucketclasses', name: n.className },
    );
    if (n.accessName) this.own.push({ plural: 'bucketaccesses', name: n.accessName, namespace: ns });
    if (n.accessClassName) this.own.push({ plural: 'bucketaccessclasses', name: n.accessClassName });
    await super.applyScenario(s, variant);
  }

  override async createAccess(s: Scenario, variant: string): Promise<void> {
    const n = this.namesFor(s, variant);
    if (n.accessName)
      this.own.push({ plural: 'bucketaccesses', name: n.accessName, namespace: s.bucketClaim.namespace });
    await super.createAccess(s, variant);
  }

  private objectsApi(): CustomObjectsApi {
    return timedApiClient(this.kc, CustomObjectsApi);
  }

  private async read(o: OwnObject): Promise<Record<string, unknown> | undefined> {
    const api = this.objectsApi();
    const V = this.objects.version;
    const r = o.namespace
      ? api.getNamespacedCustomObject({
          group: GROUP,
          version: V,
          namespace: o.namespace,
          plural: o.plural,
          name: o.name,
        })
      : api.getClusterCustomObject({ group: GROUP, version: V, plural: o.plural, name: o.name });
    return (await r.catch(() => undefined)) as Record<string, unknown> | undefined;
  }

  private async remove(o: OwnObject, finalizersToo: boolean): Promise<void> {
    await removeCosiObject(this.objectsApi(), this.objects.version, o, {
      stripFinalizers: finalizersToo,
      onError: () => {},
    });
  }

  /** Deletes every object the run created (their Buckets follow through the controller); the stack stays. */
  async stop(): Promise<void> {
    // The claims' Buckets too, so release() can clear them should a delete rule hold them.
    for (const o of [...this.own]) {
      if (o.plural !== 'bucketclaims') continue;
      const claim = (await this.read(o)) as { status?: Record<string, unknown> } | undefined;
      const bucket = claim ? this.objects.boundBucketName(claim.status ?? {}) : undefined;
      if (bucket) this.own.push({ plural: 'buckets', name: bucket });
    }
    const order = ['bucketaccesses', 'bucketclaims', 'bucketaccessclasses', 'bucketclasses'];
    for (const plural of order)
      await Promise.all(this.own.filter((o) => o.plural === plural).map((o) => this.remove(o, false)));
  }

  /**
   * After the run's rules left the drivers: gives the sidecars `graceMs` to finish the deletes, then takes the
   * finalizers off what is still there (a Bucket whose delete the driver failed stays otherwise until the
   * sidecar's backoff comes round, minutes later).
   */
  async release(graceMs: number): Promise<string[]> {
    const deadline = Date.now() + graceMs;
    let left = this.own;
    while (Date.now() < deadline) {
      left = (await Promise.all(left.map(async (o) => ((await this.read(o)) ? o : undefined)))).filter(
        (o): o is OwnObject => o !== undefined,
      );
      if (!left.length) return [];
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all(left.map((o) => this.remove(o, true)));
    return left.map((o) => `${o.plural}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`);
  }
}
