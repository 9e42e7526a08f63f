import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { connectCosiClient } from '../../mock-driver/index.ts';
import { BUILD_COSI_86, type ScalityRevision } from '../binaries/component-catalog.ts';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { crdManifests, installCrds } from '../cosi/crd-installer.ts';
import { applyObjects } from '../cosi/kube-apply.ts';
import { type RealDriverBinaries, startRealDriver } from '../driver/real-driver-stack.ts';
import type { DriverMapRunOptions, DriverMapTarget } from './driver-map-run.ts';

const NAMESPACE = 'cosi-chaos-system';
const WRONG_KEYS_SECRET = 'cosi-chaos-wrong-keys';

/**
 * The Scality driver at one commit, as scenarios run it: in-cluster config for a local control plane of its own
 * (v1alpha1 CRDs installed: it GETs the Bucket object on delete), its versitygw S3 and IAM servers, the Secret its
 * class parameters name. Calls carry those parameters as the sidecar would pass the class's; a delete first gets
 * the Bucket object the driver reads. Wrong keys are a second Secret whose secret key the server does not know.
 */
export async function scalityMapTarget(
  revision: ScalityRevision,
  bins: { etcd: string; kubeApiServer: string } & RealDriverBinaries,
  opts: DriverMapRunOptions,
): Promise<DriverMapTarget> {
  const cpDir = join(opts.workDir, 'control-plane');
  await mkdir(cpDir, { recursive: true });
  const cp = await LocalControlPlane.start({
    etcdBinary: bins.etcd,
    apiServerBinary: bins.kubeApiServer,
    workDir: cpDir,
    keepWorkDir: true,
  });
  const stops: (() => Promise<void>)[] = [() => cp.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const admin = cp.adminKubeConfig();
    await installCrds(admin, await crdManifests(BUILD_COSI_86.crds));
    await applyObjects(admin, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }]);
    const real = await startRealDriver(
      { kind: 'scality', revision },
      {
        id: `driver-map-${revision.commit}`,
        driverName: 'cosi.scality.com',
        workDir: opts.workDir,
        binaries: bins,
        cluster: { admin, serverUrl: cp.serverUrl, caPem: cp.apiServer.caPem, namespace: NAMESPACE },
      },
    );
    if (!real?.s3 || !real.classParameters)
      throw new Error('the Scality driver stack started without its S3 server');
    stops.push(() => real.stop());
    const s3 = real.s3;
    await applyObjects(admin, [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: WRONG_KEYS_SECRET, namespace: NAMESPACE },
        stringData: {
          accessKeyId: 'cosichaosadmin',
          secretAccessKey: 'not-the-secret',
          endpoint: `http://${s3.endpoint}`,
          region: 'us-east-1',
        },
      } as never,
    ]);
    const client = connectCosiClient('v1alpha1', real.upstream.replace('unix://', 'unix:'));
    stops.push(async () => client.close());
    const own = real.classParameters;
    const wrong = { ...own, objectStorageSecretName: WRONG_KEYS_SECRET };
    const buckets = admin.makeApiClient(CustomObjectsApi);
    // The Bucket object a v1alpha1 controller would have made: the driver reads its parameters on delete and revoke.
    const ensureBucket = async (name: string) =>
      buckets
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
              bucketClassName: 'driver-map',
              bucketClaim: {},
              deletionPolicy: 'Delete',
              protocols: ['S3'],
              parameters: own,
            },
          },
        })
        .catch((e: { code?: number }) => {
          if (e.code !== 409) throw e;
        });
    return {
      context: {
        call: async (method, request, keys = 'own-keys') => {
          const params = keys === 'own-keys' ? own : wrong;
          const r = request as { parameters?: Record<string, string>; bucket_id?: string };
          if ((method === 'DriverDeleteBucket' || method === 'DriverRevokeBucketAccess') && r.bucket_id)
            await ensureBucket(r.bucket_id);
          const sent =
            method === 'DriverCreateBucket' || method === 'DriverGrantBucketAccess'
              ? { ...r, parameters: { ...params, ...r.parameters } }
              : r;
          return client.call(method, sent, { deadlineMs: opts.callDeadlineMs ?? 60_000 });
        },
        dataDir: s3.dataDir,
        wrongKeys: `the class parameters naming a second Secret (${WRONG_KEYS_SECRET}) whose secret key the server does not know`,
        stopServer: async () => {
          await s3.stopServer();
          return `stopped, ${s3.endpoint}`;
        },
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
