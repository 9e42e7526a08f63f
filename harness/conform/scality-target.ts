import type { ScalityRevision } from '../binaries/component-catalog.ts';
import type { RealDriverBinaries } from '../driver/real-driver-stack.ts';
import { s3Request } from '../driver/s3-request.ts';
import { ScalityStandalone } from '../driver/scality-standalone.ts';
import type { ConformComponent } from './conform-results.ts';
import type { BackendControl, ConformTarget, TargetBucket } from './conform-target.ts';

const OBJECT = 'conform-object.txt';

/**
 * The Scality COSI driver at a pinned commit (cosi.v1alpha1 only), as scenarios run it: in-cluster config for a
 * control plane of its own, versitygw S3 and IAM servers, the Secret its class parameters name (the target's
 * parameters), and before each delete or revoke the Bucket object it reads. The harness runs the backend: an
 * object is put into a bucket through versitygw's S3 API, and the server can be stopped.
 */
export class ScalityConformTarget implements ConformTarget {
  readonly eras = ['v1alpha1'] as const;
  readonly backend: BackendControl;
  readonly noBackendControlReason = '';
  readonly description: string;

  private constructor(
    private readonly stack: ScalityStandalone,
    revision: ScalityRevision,
    readonly components: readonly ConformComponent[],
  ) {
    this.description = `Scality COSI driver ${revision.commit} (${revision.describe}) on versitygw at ${stack.s3.endpoint}`;
    this.backend = {
      source: 'harness',
      makeBucketNonEmpty: (b) => this.object(b, 'PUT'),
      emptyBucket: (b) => this.object(b, 'DELETE'),
      stopBackend: async () => {
        await stack.s3.stopServer();
        return `versitygw stopped, ${stack.s3.endpoint}`;
      },
    };
  }

  static async start(
    revision: ScalityRevision,
    bins: { etcd: string; kubeApiServer: string } & RealDriverBinaries,
    workDir: string,
    components: ConformComponent[],
  ): Promise<ScalityConformTarget> {
    return new ScalityConformTarget(
      await ScalityStandalone.start(revision, bins, workDir),
      revision,
      components,
    );
  }

  get address(): string {
    return this.stack.address;
  }

  get parameters(): Readonly<Record<string, string>> {
    return this.stack.classParameters;
  }

  async beforeCall(method: string, request: Readonly<Record<string, unknown>>): Promise<void> {
    const bucketId = request.bucket_id;
    if (
      (method === 'DriverDeleteBucket' || method === 'DriverRevokeBucketAccess') &&
      typeof bucketId === 'string' &&
      bucketId
    )
      await this.stack.ensureBucket(bucketId);
  }

  async stop(): Promise<void> {
    await this.stack.stop();
  }

  private async object(bucket: TargetBucket, method: 'PUT' | 'DELETE'): Promise<string> {
    const s3 = this.stack.s3;
    const answer = await s3Request({
      endpoint: s3.endpoint,
      keys: s3.keys,
      method,
      bucket: bucket.bucketId,
      key: OBJECT,
      ...(method === 'PUT' ? { body: 'an object the bucket still holds\n' } : {}),
    }).catch((e: unknown) => ({ status: 0, body: String(e) }));
    const ok = answer.status >= 200 && answer.status < 300;
    return method === 'PUT'
      ? ok
        ? `object ${OBJECT} put into ${bucket.bucketId} through versitygw's S3 API`
        : `PUT ${bucket.bucketId}/${OBJECT} answered HTTP ${answer.status}: the object was not written`
      : ok
        ? `object ${OBJECT} deleted from ${bucket.bucketId}`
        : `DELETE ${bucket.bucketId}/${OBJECT} answered HTTP ${answer.status}`;
  }
}
