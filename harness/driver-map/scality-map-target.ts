import { connectCosiClient } from '../../mock-driver/index.ts';
import type { ScalityRevision } from '../binaries/component-catalog.ts';
import { applyObjects } from '../cosi/kube-apply.ts';
import type { RealDriverBinaries } from '../driver/real-driver-stack.ts';
import { ScalityStandalone } from '../driver/scality-standalone.ts';
import type { DriverMapRunOptions, DriverMapTarget } from './driver-map-run.ts';

const WRONG_KEYS_SECRET = 'cosi-chaos-wrong-keys';

/**
 * The Scality driver at one commit (ScalityStandalone). Calls carry its class parameters as the sidecar would pass
 * the class's; a delete or revoke first gets the Bucket object the driver reads. Wrong keys are a second Secret
 * whose secret key the server does not know.
 */
export async function scalityMapTarget(
  revision: ScalityRevision,
  bins: { etcd: string; kubeApiServer: string } & RealDriverBinaries,
  opts: DriverMapRunOptions,
): Promise<DriverMapTarget> {
  const stack = await ScalityStandalone.start(revision, bins, opts.workDir);
  try {
    const s3 = stack.s3;
    await applyObjects(stack.admin, [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: WRONG_KEYS_SECRET, namespace: stack.namespace },
        stringData: {
          accessKeyId: s3.keys.accessKey,
          secretAccessKey: 'not-the-secret',
          endpoint: `http://${s3.endpoint}`,
          region: 'us-east-1',
        },
      } as never,
    ]);
    const client = connectCosiClient('v1alpha1', stack.address);
    const own = stack.classParameters;
    const wrong = { ...own, objectStorageSecretName: WRONG_KEYS_SECRET };
    return {
      context: {
        call: async (method, request, keys = 'own-keys') => {
          const r = request as { parameters?: Record<string, string>; bucket_id?: string };
          if ((method === 'DriverDeleteBucket' || method === 'DriverRevokeBucketAccess') && r.bucket_id)
            await stack.ensureBucket(r.bucket_id);
          const sent =
            method === 'DriverCreateBucket' || method === 'DriverGrantBucketAccess'
              ? { ...r, parameters: { ...(keys === 'own-keys' ? own : wrong), ...r.parameters } }
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
      stop: async () => {
        client.close();
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
