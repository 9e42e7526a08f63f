import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BUILD_COSI_86, type ScalityRevision } from '../binaries/component-catalog.ts';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { crdManifests, installCrds } from '../cosi/crd-installer.ts';
import { applyObjects } from '../cosi/kube-apply.ts';
import { type RealDriver, type RealDriverBinaries, startRealDriver } from './real-driver-stack.ts';

const NAMESPACE = 'cosi-chaos-system';

/**
 * The Scality driver at one commit with no sidecar in front of it, as `driver-map` and `conform` talk to it: the
 * cluster it reads through in-cluster config is a local control plane of its own (v1alpha1 CRDs installed: it GETs
 * the Bucket object on delete and revoke), beside its versitygw S3 and IAM servers and the Secret its class
 * parameters name. What a sidecar and controller would have made, the caller asks for (ensureBucket).
 */
export class ScalityStandalone {
  private constructor(
    readonly admin: KubeConfig,
    readonly real: RealDriver,
    readonly namespace: string,
    private readonly stops: (() => Promise<void>)[],
  ) {}

  static async start(
    revision: ScalityRevision,
    bins: { etcd: string; kubeApiServer: string } & RealDriverBinaries,
    workDir: string,
  ): Promise<ScalityStandalone> {
    const cpDir = join(workDir, 'control-plane');
    await mkdir(cpDir, { recursive: true });
    const cp = await LocalControlPlane.start({
      etcdBinary: bins.etcd,
      apiServerBinary: bins.kubeApiServer,
      workDir: cpDir,
      keepWorkDir: true,
    });
    const stops: (() => Promise<void>)[] = [() => cp.stop()];
    try {
      const admin = cp.adminKubeConfig();
      await installCrds(admin, await crdManifests(BUILD_COSI_86.crds));
      await applyObjects(admin, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }]);
      const real = await startRealDriver(
        { kind: 'scality', revision },
        {
          id: `standalone-${revision.commit}`,
          driverName: 'cosi.scality.com',
          workDir,
          binaries: bins,
          cluster: { admin, serverUrl: cp.serverUrl, caPem: cp.apiServer.caPem, namespace: NAMESPACE },
        },
      );
      if (!real?.s3 || !real.classParameters)
        throw new Error('the Scality driver stack started without its S3 server');
      stops.push(() => real.stop());
      return new ScalityStandalone(admin, real, NAMESPACE, stops);
    } catch (error) {
      for (const s of stops.reverse()) await s().catch(() => {});
      throw error;
    }
  }

  /** The driver's gRPC address as connectCosiClient takes it. */
  get address(): string {
    return this.real.upstream.replace('unix://', 'unix:');
  }

  /** The BucketClass parameters naming the driver's Secret, as a sidecar passes them on create. */
  get classParameters(): Record<string, string> {
    return this.real.classParameters ?? {};
  }

  get s3(): NonNullable<RealDriver['s3']> {
    return this.real.s3 as NonNullable<RealDriver['s3']>;
  }

  /** The Bucket object a v1alpha1 controller would have made, whose parameters the driver reads; idempotent. */
  async ensureBucket(name: string): Promise<void> {
    await this.admin
      .makeApiClient(CustomObjectsApi)
      .createClusterCustomObject({
        group: 'objectstorage.k8s.io',
        version: 'v1alpha1',
        plural: 'buckets',
        body: {
          apiVersion: 'objectstorage.k8s.io/v1alpha1',
          kind: 'Bucket',
          metadata: { name },
          spec: {
            driverName: 'cosi.scality.com',
            bucketClassName: 'cosi-chaos-standalone',
            bucketClaim: {},
            deletionPolicy: 'Delete',
            protocols: ['S3'],
            parameters: this.classParameters,
          },
        },
      })
      .catch((e: { code?: number }) => {
        if (e.code !== 409) throw e;
      });
  }

  async stop(): Promise<void> {
    for (const s of this.stops.reverse()) await s().catch(() => {});
    this.stops.length = 0;
  }
}
