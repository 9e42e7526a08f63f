/** What part of the node could not start, and the one thing to do about it. */
export type NodeComponent =
  | 'containerd'
  | 'kubelet'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kube-proxy'
  | 'host';

/**
 * A node component cannot start on this machine (not root, a package missing, no non-loopback address): `nextStep`
 * says what to do. Tests skip with `message`; everything else that breaks at start is a ProcessStartError.
 */
export class NodeClusterUnavailableError extends Error {
  override readonly name = 'NodeClusterUnavailableError';
  constructor(
    readonly component: NodeComponent,
    readonly reason: string,
    readonly nextStep: string,
    options?: { cause?: unknown },
  ) {
    super(`${component} cannot start here: ${reason}; ${nextStep}`, options);
  }
}
