import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  user: string;
  token: string;
  namespace?: string;
}

/** Renders a kubeconfig with one cluster, one token user and one current context. */
export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'cosi-chaos',
        cluster: {
          server: input.server,
          'certificate-authority-data': Buffer.from(input.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: input.user, user: { token: input.token } }],
    contexts: [
      {
        name: 'cosi-chaos',
        context: {
          cluster: 'cosi-chaos',
          user: input.user,
          ...(input.namespace ? { namespace: input.namespace } : {}),
        },
      },
    ],
    'current-context': 'cosi-chaos',
  });
}
