import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { reservePort } from '../process/free-port.ts';
import { HealthzComponent } from './healthz-component.ts';

export interface KubeProxyOptions {
  binary: string;
  dir: string;
  kubeconfig: string;
  nodeName: string;
  /** The pod subnet: traffic from it is local, everything else is masqueraded when it hits a Service. */
  clusterCidr: string;
}

/**
 * kube-proxy in iptables mode: it turns the `kubernetes` Service (10.0.0.1:443) into a DNAT to the API server's
 * advertised address. Conntrack sysctls are left as they are (a shared VM); no localhost NodePorts (they need
 * route_localnet).
 */
export async function startKubeProxy(o: KubeProxyOptions): Promise<HealthzComponent> {
  const healthz = await reservePort();
  const metrics = await reservePort();
  const configFile = join(o.dir, 'kube-proxy-config.yaml');
  await writeFile(
    configFile,
    stringify({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'iptables',
      clientConnection: { kubeconfig: o.kubeconfig },
      hostnameOverride: o.nodeName,
      clusterCIDR: o.clusterCidr,
      // NodePorts on the node IP only, not on every local address (the bridge, loopback).
      nodePortAddresses: ['primary'],
      healthzBindAddress: `127.0.0.1:${healthz.port}`,
      metricsBindAddress: `127.0.0.1:${metrics.port}`,
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      iptables: { localhostNodePorts: false, syncPeriod: '30s', minSyncPeriod: '0s' },
    }),
  );
  return HealthzComponent.start({
    component: 'kube-proxy',
    binary: o.binary,
    args: [`--config=${configFile}`, '--v=1'],
    logFile: join(o.dir, 'kube-proxy.log'),
    healthzUrl: `http://127.0.0.1:${healthz.port}/healthz`,
    ports: [healthz, metrics],
  });
}
