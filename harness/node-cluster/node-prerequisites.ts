import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { primaryHostAddress } from './host-address.ts';
import { NodeClusterUnavailableError } from './node-cluster-error.ts';

/** Where the CNI plugins of Debian's containernetworking-plugins live (the CRI config's bin_dir). */
export const CNI_BIN_DIR = '/usr/lib/cni';

const INSTALL =
  'install them (apt-get install containerd runc containernetworking-plugins iptables conntrack)';

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  // Debian puts runc and iptables in /usr/sbin, which a non-login PATH may lack.
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Why a kubelet-backed node cannot start on this machine, checked without starting anything: undefined when it
 * can. Root (mounts, netns, cgroups, iptables), the host packages, a non-loopback IPv4.
 */
export function nodeClusterUnavailable(
  env: NodeJS.ProcessEnv = process.env,
): NodeClusterUnavailableError | undefined {
  if (process.platform !== 'linux')
    return new NodeClusterUnavailableError('host', `${process.platform} is not Linux`, 'run it on Linux');
  if (process.getuid?.() !== 0)
    return new NodeClusterUnavailableError(
      'kubelet',
      'needs root (mounts, network namespaces, cgroups, iptables)',
      'run the tests as root (e.g. in a VM or a root CI job)',
    );
  const missing = [
    'containerd',
    'ctr',
    'runc',
    'containerd-shim-runc-v2',
    'iptables',
    'iptables-save',
    'conntrack',
    'ip',
    'gcc',
  ].filter((b) => !onPath(b, env));
  for (const plugin of ['bridge', 'host-local', 'loopback']) {
    try {
      accessSync(join(CNI_BIN_DIR, plugin), constants.X_OK);
    } catch {
      missing.push(`${CNI_BIN_DIR}/${plugin}`);
    }
  }
  if (missing.length)
    return new NodeClusterUnavailableError(
      missing.some((m) => m.includes('containerd') || m === 'ctr' || m === 'runc') ? 'containerd' : 'kubelet',
      `missing ${missing.join(', ')}`,
      missing.includes('gcc') && missing.length === 1
        ? 'install gcc (the pause image is built with gcc -static)'
        : INSTALL,
    );
  if (!primaryHostAddress())
    return new NodeClusterUnavailableError(
      'host',
      'no non-loopback IPv4 address (the kubernetes Service endpoint refuses loopback)',
      'give the machine a network interface with an IPv4 address',
    );
  return undefined;
}
