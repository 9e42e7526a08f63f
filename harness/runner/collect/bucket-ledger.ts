import { CustomObjectsApi } from '@kubernetes/client-node';
import { COSI_GROUP } from '../../cosi/cosi-objects.ts';
import { timedApiClient } from '../../cosi/timed-api-client.ts';
import type { BackendBucket, DriverCall } from '../../driver/driver-admin-client.ts';
import type { BucketLedger, LedgerBucket } from '../../results/bucket-ledger-results.ts';
import { SCENARIO_PARAMETER } from '../../scenarios/scenario-loader.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';
import type { ScenarioEnvironment } from '../start/scenario-environment.ts';

// Counting rules (documented in README "Duplicate and orphan buckets"):
// - a backend bucket is the scenario's when its create carried the scenario's class parameter;
// - the name the sidecar passes to DriverCreateBucket is the Bucket object's name, which the controller derives
//   from the claim's UID: one name per claim, so create calls per claim are create calls per bucket name;
// - the mock driver is idempotent by name, so a repeated OK create lands on the same backend bucket
//   (repeatedCreatesOk); a second backend bucket for a claim (a duplicate) needs a second name;
// - orphans are counted only once every claim of the scenario is gone from the API.

interface ListedObject {
  metadata: { name: string; namespace?: string; deletionTimestamp?: string; finalizers?: string[] };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** Claims a scenario creates: one, or spec.scale.claims when another part of the harness adds a fleet. */
function claimCount(s: Scenario): number {
  return (s as { scale?: { claims?: number } }).scale?.claims ?? 1;
}

/** The claim name a Bucket's spec refers to (v1alpha1 spec.bucketClaim, v1alpha2 spec.bucketClaimRef). */
function claimOf(bucket: ListedObject): { name?: string; namespace?: string } | undefined {
  const ref = (bucket.spec?.bucketClaim ?? bucket.spec?.bucketClaimRef) as
    | { name?: string; namespace?: string }
    | undefined;
  return ref ?? undefined;
}

function bucketReady(bucket: ListedObject): boolean {
  return bucket.status?.bucketReady === true || bucket.status?.readyToUse === true;
}

/** The pure count, from what was read (exported for tests on recorded inputs). */
export function countBuckets(input: {
  claims: number;
  /** The scenario's claims still in the API. */
  claimsPresent: ListedObject[];
  /** Every DriverCreateBucket call the scenario's class caused. */
  createCalls: Pick<DriverCall, 'bucketName' | 'code'>[];
  /** The scenario's buckets in the backend now. */
  backend: Pick<BackendBucket, 'bucketName' | 'successfulCreates'>[];
  /** The scenario's Bucket objects in the API now. */
  apiBuckets: ListedObject[];
}): BucketLedger {
  const names = new Set<string>();
  for (const c of input.createCalls) if (c.bucketName) names.add(c.bucketName);
  for (const b of input.backend) names.add(b.bucketName);
  for (const b of input.apiBuckets) names.add(b.metadata.name);
  const present = new Set(input.claimsPresent.map((c) => c.metadata.name));
  const buckets: LedgerBucket[] = [...names].sort().map((bucketName) => {
    const calls = input.createCalls.filter((c) => c.bucketName === bucketName);
    const api = input.apiBuckets.find((b) => b.metadata.name === bucketName);
    return {
      bucketName,
      createCalls: calls.length,
      createCallsOk: calls.filter((c) => c.code === 'OK').length,
      inBackend: input.backend.some((b) => b.bucketName === bucketName),
      apiObject: api ? (bucketReady(api) ? 'ready' : 'not-ready') : 'absent',
      finalizers: api?.metadata.finalizers ?? [],
    };
  });
  const created = buckets.filter((b) => b.createCallsOk > 0 || b.inBackend);
  const claimsDeleted = Math.max(0, input.claims - present.size);
  const finalizersOn = (o: ListedObject) => o.metadata.finalizers?.length ?? 0;
  const claimGone = (b: ListedObject) => {
    const name = claimOf(b)?.name;
    return name !== undefined && !present.has(name);
  };
  return {
    claims: input.claims,
    claimsDeleted,
    createCalls: input.createCalls.length,
    createCallsPerClaimMax: Math.max(0, ...buckets.map((b) => b.createCalls)),
    bucketsCreated: created.length,
    bucketsInBackend: buckets.filter((b) => b.inBackend).length,
    duplicates: Math.max(0, created.length - input.claims),
    repeatedCreatesOk: buckets.reduce((n, b) => n + Math.max(0, b.createCallsOk - 1), 0),
    ...(claimsDeleted === input.claims ? { orphans: buckets.filter((b) => b.inBackend).length } : {}),
    bucketsNotReady: input.apiBuckets.filter((b) => !bucketReady(b)).length,
    finalizersLeft:
      input.claimsPresent
        .filter((c) => c.metadata.deletionTimestamp)
        .reduce((n, c) => n + finalizersOn(c), 0) +
      input.apiBuckets
        .filter((b) => b.metadata.deletionTimestamp || claimGone(b))
        .reduce((n, b) => n + finalizersOn(b), 0),
    buckets,
  };
}

/**
 * Reads the scenario x variant's ledger: its driver's create calls and backend buckets, and its claims and
 * Buckets in the API. Undefined for scenarios that create nothing (the count is about creates).
 */
export async function readBucketLedger(
  env: ScenarioEnvironment,
  s: Scenario,
  variant: string,
  /** Every driver call of the scenario (the journal tail's group). */
  calls: readonly DriverCall[],
): Promise<BucketLedger> {
  const handle = env.member(variant);
  const claimName = env.namesFor(s, variant).claimName;
  const ownClaim = (name: string) => name === claimName || new RegExp(`^${claimName}-\\d{4,}$`).test(name);
  const api = timedApiClient(env.kubeConfig(), CustomObjectsApi);
  const version = env.objects.version;
  const [claims, bucketList, backend] = await Promise.all([
    api.listNamespacedCustomObject({
      group: COSI_GROUP,
      version,
      namespace: s.bucketClaim.namespace,
      plural: 'bucketclaims',
    }) as Promise<{ items: ListedObject[] }>,
    api.listClusterCustomObject({ group: COSI_GROUP, version, plural: 'buckets' }) as Promise<{
      items: ListedObject[];
    }>,
    handle.driver.admin.backendBuckets(),
  ]);
  const createCalls = calls.filter((c) => c.rpc === 'create');
  const created = new Set(createCalls.map((c) => c.bucketName));
  const apiBuckets = bucketList.items.filter((b) => {
    const ref = claimOf(b);
    return (
      created.has(b.metadata.name) ||
      (ref?.name !== undefined &&
        ownClaim(ref.name) &&
        (ref.namespace ?? s.bucketClaim.namespace) === s.bucketClaim.namespace)
    );
  });
  return countBuckets({
    claims: claimCount(s),
    claimsPresent: claims.items.filter((c) => ownClaim(c.metadata.name)),
    createCalls,
    backend: backend.filter((b) => b.parameters[SCENARIO_PARAMETER] === s.name),
    apiBuckets,
  });
}
