import { stringify } from 'yaml';

/** The inputs of one kubelet's KubeletConfiguration. */
export interface KubeletConfigInput {
  nodeIp: string;
  /** Secure port the API server reaches for logs, exec and port-forward. */
  port: number;
  /** Loopback port of /healthz. */
  healthzPort: number;
  containerdSocket: string;
  /** CA of the API server's kubelet-client certificate (x509 authentication). */
  clientCaFile: string;
  /** Instead of /var/log/pods, so the logs go with the cluster's dir. */
  podLogsDir: string;
}

/**
 * KubeletConfiguration v1beta1 for a node beside whatever else runs on the machine: cgroupfs (containerd 1.6
 * cannot report its cgroup driver), swap tolerated, no node-allocatable enforcement or local storage isolation
 * (neither works in a shared VM), no eviction or image GC (the sandbox image is imported, never pulled back),
 * x509 + webhook authn/authz (the API server's client certificate, ServiceAccount tokens by TokenReview).
 */
export function renderKubeletConfig(c: KubeletConfigInput): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: c.nodeIp,
    port: c.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: c.healthzPort,
    containerRuntimeEndpoint: `unix://${c.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    enforceNodeAllocatable: [],
    localStorageCapacityIsolation: false,
    podLogsDir: c.podLogsDir,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: c.clientCaFile },
    },
    authorization: { mode: 'Webhook' },
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    // A Pod's status reaches the API server within a second of changing (default 10 s node status is fine).
    syncFrequency: '10s',
    fileCheckFrequency: '5s',
    resolvConf: '/etc/resolv.conf',
  });
}
