import { CustomObjectsApi } from '@kubernetes/client-node';
import { forEachBounded } from '../../common/bounded-pool.ts';
import { COSI_GROUP } from '../../cosi/cosi-objects.ts';
import { applyObjects } from '../../cosi/kube-apply.ts';
import { timedApiClient } from '../../cosi/timed-api-client.ts';
import { SCENARIO_PARAMETER } from '../../scenarios/scenario-loader.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';
import { driverNameFor, type ObjectTarget } from './object-names.ts';

// Claims created at once: enough to create 1,000 in seconds, few enough not to queue at the API server's
// max-in-flight limit beside the controller and sidecars.
const CREATE_CONCURRENCY = 16;

/** Name of the i-th claim (1-based) of a scale scenario: <bucketClaim name>-0001 ... */
export function fleetClaimName(base: string, i: number): string {
  return `${base}-${String(i).padStart(4, '0')}`;
}

/** A claim of the fleet as the API lists it: the UID its bucket names carry. */
export interface FleetClaim {
  name: string;
  namespace: string;
  uid: string;
  createdAt?: string;
}

/** A Bucket as the API lists it, with the claim its spec refers to (v1alpha1 bucketClaim, v1alpha2 bucketClaimRef). */
export interface FleetBucket {
  name: string;
  claim?: { name: string; namespace?: string; uid?: string };
}

/** When a fleet's apply started and ended, and when each claim's create returned (ms since the epoch). */
export interface FleetTimes {
  startedAt: number;
  endedAt: number;
  createdAt: Map<string, number>;
}

// Per environment and scenario x variant: results read them when the window closes.
const fleetTimes = new WeakMap<ObjectTarget, Map<string, FleetTimes>>();

/** The times of a fleet this process applied, or undefined. */
export function fleetTimesOf(env: ObjectTarget, s: Scenario, variant: string): FleetTimes | undefined {
  return fleetTimes.get(env)?.get(`${s.name}/${variant}`);
}

/**
 * Creates a scale scenario's BucketClass and its N BucketClaims (spec.scale.claims) through a bounded pool; the
 * class carries the scenario parameter, so every create the driver sees is the scenario's. Claims are created (POST),
 * not applied: they are new, and a server-side apply costs the API server more per object.
 */
export async function applyClaimFleet(env: ObjectTarget, s: Scenario, variant: string): Promise<void> {
  const n = env.namesFor(s, variant);
  const o = env.objects;
  const kc = env.kubeConfig();
  const times: FleetTimes = { startedAt: Date.now(), endedAt: 0, createdAt: new Map() };
  const perEnv = fleetTimes.get(env) ?? new Map<string, FleetTimes>();
  perEnv.set(`${s.name}/${variant}`, times);
  fleetTimes.set(env, perEnv);
  await applyObjects(kc, [
    o.bucketClass({
      name: n.className,
      driverName: driverNameFor(variant),
      deletionPolicy: s.bucketClass.deletionPolicy,
      parameters: { ...s.bucketClass.parameters, [SCENARIO_PARAMETER]: s.name },
    }),
  ]);
  const api = kc.makeApiClient(CustomObjectsApi);
  const indexes = Array.from({ length: s.scale?.claims ?? 1 }, (_, i) => i + 1);
  await forEachBounded(indexes, CREATE_CONCURRENCY, async (i) => {
    const name = fleetClaimName(n.claimName, i);
    await api.createNamespacedCustomObject({
      group: COSI_GROUP,
      version: o.version,
      namespace: s.bucketClaim.namespace,
      plural: 'bucketclaims',
      body: o.bucketClaim({
        name,
        namespace: s.bucketClaim.namespace,
        className: n.className,
        protocols: s.bucketClaim.protocols,
      }),
    });
    times.createdAt.set(name, Date.now());
  });
  times.endedAt = Date.now();
}

/** The fleet's claims (by name) and every Bucket in the cluster, read once at the window's end. */
export async function listFleet(
  env: ObjectTarget,
  s: Scenario,
  variant: string,
): Promise<{ claims: FleetClaim[]; buckets: FleetBucket[] }> {
  const api = timedApiClient(env.kubeConfig(), CustomObjectsApi);
  const version = env.objects.version;
  const base = `${env.namesFor(s, variant).claimName}-`;
  type Listed = {
    items: {
      metadata: { name: string; namespace?: string; uid?: string; creationTimestamp?: string };
      spec?: Record<string, unknown>;
    }[];
  };
  const claims = (await api.listNamespacedCustomObject({
    group: COSI_GROUP,
    version,
    namespace: s.bucketClaim.namespace,
    plural: 'bucketclaims',
  })) as Listed;
  const buckets = (await api.listClusterCustomObject({
    group: COSI_GROUP,
    version,
    plural: 'buckets',
  })) as Listed;
  return {
    claims: claims.items
      .filter((c) => c.metadata.name.startsWith(base) && /^\d{4,}$/.test(c.metadata.name.slice(base.length)))
      .map((c) => ({
        name: c.metadata.name,
        namespace: c.metadata.namespace ?? s.bucketClaim.namespace,
        uid: c.metadata.uid ?? '',
        ...(c.metadata.creationTimestamp ? { createdAt: c.metadata.creationTimestamp } : {}),
      })),
    buckets: buckets.items.map((b) => {
      const ref = (b.spec?.bucketClaim ?? b.spec?.bucketClaimRef) as FleetBucket['claim'] | undefined;
      return { name: b.metadata.name, ...(ref?.name ? { claim: ref } : {}) };
    }),
  };
}
