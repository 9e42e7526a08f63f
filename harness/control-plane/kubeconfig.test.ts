import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeconfig } from './kubeconfig.ts';

describe('renderKubeconfig', () => {
  const text = renderKubeconfig({
    server: 'https://127.0.0.1:6443',
    caPem: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n',
    user: 'system:serviceaccount:ns:sa',
    token: 'tok-123',
    namespace: 'cosi-chaos-system',
  });

  it('is a kubeconfig client-go and client-node load: one cluster, token user, current context', () => {
    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(kc.getCurrentUser()?.token).toBe('tok-123');
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('cosi-chaos-system');
  });

  it('embeds the CA as base64 data, never skips TLS verification', () => {
    const doc = parse(text) as { clusters: { cluster: Record<string, unknown> }[] };
    const cluster = doc.clusters[0]?.cluster ?? {};
    expect(Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString()).toContain(
      'BEGIN CERTIFICATE',
    );
    expect(cluster['insecure-skip-tls-verify']).toBeUndefined();
  });
});
