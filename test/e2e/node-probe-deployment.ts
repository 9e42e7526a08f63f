import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { NODE_PROBE_IMAGE } from './node-probe-image.ts';

/** Creates a one-replica Deployment of the probe (imagePullPolicy Never) and waits for its Pod Running. */
export async function runNodeProbe(kc: KubeConfig, name: string, timeoutMs = 180_000): Promise<V1Pod> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'probe',
                image: NODE_PROBE_IMAGE,
                imagePullPolicy: 'Never',
                ports: [{ containerPort: 8080 }],
              },
            ],
          },
        },
      },
    },
  });
  const deadline = Date.now() + timeoutMs;
  let last: V1Pod | undefined;
  while (Date.now() < deadline) {
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: `app=${name}` });
    last = pods.items.find((p) => p.status?.phase === 'Running');
    if (last) return last;
    last = pods.items[0];
    await sleep(500);
  }
  throw new Error(
    `Pod of Deployment ${name} not Running within ${timeoutMs / 1000} s: ${JSON.stringify(last?.status)}`,
  );
}
