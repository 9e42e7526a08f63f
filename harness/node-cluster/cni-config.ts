/** The pod network: one Linux bridge with host-local IPAM, leases kept in a dir of the cluster's own. */
export interface PodNetwork {
  /** Bridge interface name (15 characters at most), deleted on stop. */
  bridge: string;
  /** IPv4 subnet the pods get addresses from, e.g. 10.217.4.0/24. */
  subnet: string;
  /** host-local's lease directory. */
  ipamDataDir: string;
}

/**
 * A CNI conflist (bridge + host-local, then loopback) for containerd's CRI conf_dir. No ipMasq: pods only talk
 * to the host (the API server), and a masquerade rule would be one more iptables chain to remove.
 */
export function renderCniConflist(net: PodNetwork): string {
  return `${JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: net.bridge,
      plugins: [
        {
          type: 'bridge',
          bridge: net.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: net.ipamDataDir,
            ranges: [[{ subnet: net.subnet }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  )}\n`;
}
