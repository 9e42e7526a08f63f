import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { forEachBounded } from '../common/bounded-pool.ts';

const GROUP = 'objectstorage.k8s.io';
const VERSION = 'v1alpha1';
const FINALIZER = 'cosi.objectstorage.k8s.io/bucketclaim-protection';
const WORKERS = 16;
const SIDECAR_BUCKET_FINALIZER = 'cosi.objectstorage.k8s.io/bucket-protection';

/**
 * BucketClass parameter asking for a Bucket the v0.1.0 sidecar can make ready. That sidecar adds its finalizer
 * with Update and then writes the status with UpdateStatus from the same, now stale, object: the status write
 * always conflicts and no greenfield Bucket ever becomes ready. With the finalizer already on the Bucket its
 * Update changes nothing, so the status write goes through. Scenarios that count delete, grant or revoke need a
 * ready Bucket first and set this; create scenarios never do. The value 'provisioned-bucket' goes one step
 * further for grant scenarios: the Bucket is created already provisioned (status ready, a bucket id of the
 * harness's making), as an admin-imported bucket would be, so the sidecar makes no API call and no driver call for
 * it, and its client-side rate limit (client-go's default 5 requests/s) is left to the grant retries being counted.
 */
export const READY_BUCKET_PARAMETER = 'cosi-chaos.io/setup';

interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    finalizers?: string[];
    resourceVersion?: string;
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * The v0.1 COSI controller's BucketClaim -> Bucket step, run in-process because the controller module
 * (sigs.k8s.io/container-object-storage-interface-controller) is not served by the Go module proxy here.
 * It does what v0.1.1 does for a greenfield claim: a Bucket named <BucketClass name><claim UID> carrying the
 * class's driver, parameters and deletion policy and the claim's protocols, then the claim's status
 * (bucketName, bucketReady=false) and finalizer; a claim deleted deletes its Bucket; and (see markClaimReady) a
 * ready Bucket marks its claim ready. It runs with its own ServiceAccount's token, not as admin.
 * The sidecar, the component under test, is the real upstream binary.
 */
export class BucketClaimProvisioner {
  private running = true;
  private readonly loop: Promise<void>;
  private readonly done = new Set<string>();
  private readonly deleted = new Set<string>();
  readonly errors: string[] = [];

  private constructor(
    private readonly api: CustomObjectsApi,
    private readonly intervalMs: number,
  ) {
    this.loop = this.run();
  }

  static start(kc: KubeConfig, intervalMs = 200): BucketClaimProvisioner {
    return new BucketClaimProvisioner(kc.makeApiClient(CustomObjectsApi), intervalMs);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.reconcileAll();
      } catch (err) {
        this.errors.push(String(err));
      }
      await sleep(this.intervalMs);
    }
  }

  private async reconcileAll(): Promise<void> {
    const claims = (await this.api.listClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'bucketclaims',
    })) as {
      items: Obj[];
    };
    const buckets = (await this.api.listClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'buckets',
    })) as { items: Obj[] };
    const readyBuckets = new Set(
      buckets.items.filter((b) => b.status?.bucketReady === true).map((b) => b.metadata.name),
    );
    const tasks: (() => Promise<void>)[] = [];
    for (const claim of claims.items) {
      if (claim.metadata.deletionTimestamp) {
        tasks.push(() => this.deleteBucketOf(claim));
      } else if (claim.status?.bucketName) {
        if (claim.status.bucketReady !== true && readyBuckets.has(String(claim.status.bucketName)))
          tasks.push(() => this.markClaimReady(claim));
      } else if (!this.done.has(claim.metadata.uid)) {
        tasks.push(async () => {
          await this.provision(claim);
          this.done.add(claim.metadata.uid);
        });
      }
    }
    // A controller's worker pool: hundreds of claims (the matrix) must not wait on each other.
    await forEachBounded(tasks, WORKERS, async (task) => {
      await task().catch((err: unknown) => {
        this.errors.push(String(err));
      });
    });
  }

  // As the v0.1 controller does when a claim is deleted: delete its Bucket. The sidecar then calls
  // DriverDeleteBucket (deletionPolicy Delete) and removes the claim's finalizer.
  private async deleteBucketOf(claim: Obj): Promise<void> {
    const bucketName = claim.status?.bucketName as string | undefined;
    if (!bucketName || this.deleted.has(claim.metadata.uid)) return;
    if (!(claim.metadata.finalizers ?? []).includes(FINALIZER)) return;
    try {
      await this.api.deleteClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'buckets',
        name: bucketName,
      });
    } catch (err) {
      if (!String(err).includes('404')) throw err;
    }
    this.deleted.add(claim.metadata.uid);
  }

  // The v0.1.0 sidecar sets the claim's status.bucketReady with Update, which these CRDs' status subresource
  // drops, so no claim would ever be ready and no BucketAccess could be granted. The claim's readiness is
  // therefore copied from its Bucket through the status subresource.
  private async markClaimReady(claim: Obj): Promise<void> {
    await this.api.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: claim.metadata.namespace as string,
      plural: 'bucketclaims',
      name: claim.metadata.name,
      body: { ...claim, status: { ...(claim.status ?? {}), bucketReady: true } },
    });
  }

  private async provision(claim: Obj): Promise<void> {
    const spec = claim.spec ?? {};
    const className = String(spec.bucketClassName ?? '');
    if (!className) return;
    const cls = (await this.api.getClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'bucketclasses',
      name: className,
    })) as Obj & {
      driverName: string;
      deletionPolicy?: string;
      parameters?: Record<string, string>;
    };
    const bucketName = className + claim.metadata.uid;
    const setup = cls.parameters?.[READY_BUCKET_PARAMETER];
    const prefinalize = setup === 'ready-bucket' || setup === 'provisioned-bucket';
    const bucket = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Bucket',
      metadata: { name: bucketName, ...(prefinalize ? { finalizers: [SIDECAR_BUCKET_FINALIZER] } : {}) },
      spec: {
        driverName: cls.driverName,
        bucketClassName: className,
        deletionPolicy: cls.deletionPolicy ?? 'Retain',
        parameters: { ...(cls.parameters ?? {}) },
        protocols: [...((spec.protocols as string[] | undefined) ?? [])],
        bucketClaim: {
          name: claim.metadata.name,
          namespace: claim.metadata.namespace,
          uid: claim.metadata.uid,
        },
      },
    };
    try {
      const created = (await this.api.createClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'buckets',
        body: bucket,
      })) as Obj;
      if (setup === 'provisioned-bucket') {
        await this.api.replaceClusterCustomObjectStatus({
          group: GROUP,
          version: VERSION,
          plural: 'buckets',
          name: bucketName,
          body: {
            ...created,
            status: { bucketReady: true, bucketID: `cosi-chaos-provisioned-${claim.metadata.uid}` },
          },
        });
      }
    } catch (err) {
      if (!String(err).includes('AlreadyExists') && !String(err).includes('409')) throw err;
    }
    const ns = claim.metadata.namespace as string;
    const withStatus = { ...claim, status: { ...(claim.status ?? {}), bucketName, bucketReady: false } };
    const updated = (await this.api.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'bucketclaims',
      name: claim.metadata.name,
      body: withStatus,
    })) as Obj;
    const finalizers = new Set(updated.metadata.finalizers ?? []);
    finalizers.add(FINALIZER);
    updated.metadata.finalizers = [...finalizers];
    await this.api.replaceNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'bucketclaims',
      name: claim.metadata.name,
      body: updated,
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
