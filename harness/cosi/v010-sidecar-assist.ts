import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { bucketIdFor } from '../../mock-driver/index.ts';
import { forEachBounded } from '../common/bounded-pool.ts';

const GROUP = 'objectstorage.k8s.io';
const VERSION = 'v1alpha1';
const WORKERS = 16;
const SIDECAR_BUCKET_FINALIZER = 'cosi.objectstorage.k8s.io/bucket-protection';

/**
 * BucketClass parameter asking for a Bucket the v0.1.0 sidecar can make ready. That sidecar adds its finalizer
 * with Update and then writes the status with UpdateStatus from the same, now stale, object: the status write
 * always conflicts and no greenfield Bucket ever becomes ready. With the finalizer already on the Bucket its
 * Update changes nothing, so the status write goes through. Scenarios that count delete, grant or revoke need a
 * ready Bucket first and set this; create scenarios never do. The value 'provisioned-bucket' goes one step
 * further for grant scenarios: the Bucket is marked provisioned (status ready, a bucket id of the harness's
 * making), as an admin-imported bucket would be. Every other release ignores the parameter (it reaches the
 * driver as an opaque class parameter): their real controller and sidecar make the Bucket ready themselves.
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
 * The help the v0.1.0 sidecar needs on a real API server, and only it (its variant records this as a deviation);
 * the real v0.1.0 controller does the controller's work beside it. Two things, with the harness's credentials:
 * - a claim whose Bucket is ready is marked ready through the status subresource (v0.1.0 writes
 *   status.bucketReady with Update, which the CRDs' status subresource drops);
 * - a Bucket whose class asks for READY_BUCKET_PARAMETER gets the status the sidecar tried and failed to write
 *   (ready, and the id the mock driver returned for it) once the sidecar's finalizer shows its create went through.
 * Nothing else: create scenarios (COSI-86) get no help at all.
 */
export class V010SidecarAssist {
  private running = true;
  private readonly loop: Promise<void>;
  private readonly prepared = new Set<string>();
  readonly errors: string[] = [];

  private constructor(
    private readonly api: CustomObjectsApi,
    private readonly intervalMs: number,
  ) {
    this.loop = this.run();
  }

  static start(kc: KubeConfig, intervalMs = 200): V010SidecarAssist {
    return new V010SidecarAssist(kc.makeApiClient(CustomObjectsApi), intervalMs);
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
    })) as { items: Obj[] };
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
      const bucketName = claim.status?.bucketName;
      if (!claim.metadata.deletionTimestamp && bucketName && claim.status?.bucketReady !== true) {
        if (readyBuckets.has(String(bucketName))) tasks.push(() => this.markClaimReady(claim));
      }
    }
    for (const bucket of buckets.items) {
      const setup = (bucket.spec?.parameters as Record<string, string> | undefined)?.[READY_BUCKET_PARAMETER];
      if (
        (setup === 'ready-bucket' || setup === 'provisioned-bucket') &&
        !this.prepared.has(bucket.metadata.uid)
      )
        tasks.push(async () => {
          if (await this.prepare(bucket)) this.prepared.add(bucket.metadata.uid);
        });
    }
    await forEachBounded(tasks, WORKERS, async (task) => {
      await task().catch((err: unknown) => {
        this.errors.push(String(err));
      });
    });
  }

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

  // v0.1.0's sidecar calls DriverCreateBucket, adds its finalizer with Update, then writes the status from the
  // object it had before that Update: 409, every time. Once its finalizer is on (so the driver's create went
  // through), the harness writes the status it was trying to write: ready, with the id the driver returned.
  private async prepare(bucket: Obj): Promise<boolean> {
    if (!(bucket.metadata.finalizers ?? []).includes(SIDECAR_BUCKET_FINALIZER)) return false;
    if (bucket.status?.bucketReady === true) return true;
    await this.api.replaceClusterCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      plural: 'buckets',
      name: bucket.metadata.name,
      body: {
        ...bucket,
        status: { ...(bucket.status ?? {}), bucketReady: true, bucketID: bucketIdFor(bucket.metadata.name) },
      },
    });
    return true;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
