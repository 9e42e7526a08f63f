import { isIPv4 } from 'node:net';
import type { NodeClusterBinaryPaths } from './node-binaries.ts';

/** Options of SingleNodeCluster.start(); every one has a default. */
export interface SingleNodeClusterOptions {
  /** Paths of the Go-built binaries; each one missing is found (TEST_ASSET_*, KUBEBUILDER_ASSETS, cache) or built. */
  binaries?: NodeClusterBinaryPaths;
  /** The cluster's dir (new or empty; short: containerd's socket lives in it), kept on stop with every log. */
  workDir?: string;
  /** Keep the temp dir used when workDir is unset (logs of a failed run); its mounts are undone all the same. */
  keepWorkDir?: boolean;
  /** Default 'cosi-chaos-node'. */
  nodeName?: string;
  /** Node InternalIP and the API server's bind/advertise address; default the host's primary IPv4. */
  nodeIp?: string;
  /** The kubelet's secure port; default 10250. */
  kubeletPort?: number;
  /** The pods' IPv4 /24; default a random 10.200-249.x.0/24 (so two clusters on one host rarely collide). */
  podSubnet?: string;
  /** A docker-save/OCI archive tagged as the sandbox image; default harness/images' pause image (gcc -static, cached). */
  pauseImageArchive?: string;
  /** From kubelet start to Node Ready; default 3 min. */
  nodeReadyTimeoutMs?: number;
  /** One line per step (builds, containerd, kubelet, Node Ready); the library prints nothing itself. */
  progress?: (line: string) => void;
}

/** Throws a TypeError naming the first bad option and its value. */
export function validateNodeClusterOptions(o: SingleNodeClusterOptions): void {
  const bad = (name: string, value: unknown, want: string) => {
    throw new TypeError(`SingleNodeCluster option ${name}: ${JSON.stringify(value)} is not ${want}`);
  };
  // containerd's sockets live in the dir, and a unix socket path has at most 107 bytes.
  if (o.workDir !== undefined && `${o.workDir}/containerd/containerd.sock.ttrpc`.length > 107)
    bad('workDir', o.workDir, 'short enough for a unix socket path inside it (at most 74 characters)');
  if (o.nodeIp !== undefined && (!isIPv4(o.nodeIp) || o.nodeIp.startsWith('127.')))
    bad('nodeIp', o.nodeIp, 'a non-loopback IPv4 address');
  if (o.podSubnet !== undefined) {
    const [ip, bits] = o.podSubnet.split('/');
    if (!ip || !isIPv4(ip) || !ip.endsWith('.0') || Number(bits) !== 24)
      bad('podSubnet', o.podSubnet, 'an IPv4 /24 (a.b.c.0/24)');
  }
  if (
    o.kubeletPort !== undefined &&
    !(Number.isInteger(o.kubeletPort) && o.kubeletPort > 0 && o.kubeletPort < 65536)
  )
    bad('kubeletPort', o.kubeletPort, 'a TCP port');
  if (o.nodeName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(o.nodeName))
    bad('nodeName', o.nodeName, 'a lowercase DNS name');
  if (o.nodeReadyTimeoutMs !== undefined && !(o.nodeReadyTimeoutMs > 0))
    bad('nodeReadyTimeoutMs', o.nodeReadyTimeoutMs, 'a positive number of milliseconds');
}
