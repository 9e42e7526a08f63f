import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** A bound ServiceAccount token from the TokenRequest API, as a kubelet would project it into a pod. */
export async function requestServiceAccountToken(
  kc: KubeConfig,
  namespace: string,
  name: string,
  expirationSeconds = 24 * 3600,
): Promise<string> {
  const api = kc.makeApiClient(CoreV1Api);
  const res = await api.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [], expirationSeconds },
    },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return token;
}
