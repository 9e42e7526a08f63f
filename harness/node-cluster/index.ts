// A real single-node Kubernetes cluster on this machine (root, containerd, kubelet): the public surface.
export { SANDBOX_IMAGE } from './containerd-config.ts';
export { primaryHostAddress } from './host-address.ts';
export {
  NODE_CLUSTER_RECIPES,
  type NodeClusterBinaries,
  type NodeClusterBinaryPaths,
  provisionNodeClusterBinaries,
} from './node-binaries.ts';
export { NodeClusterUnavailableError, type NodeComponent } from './node-cluster-error.ts';
export { nodeClusterUnavailable } from './node-prerequisites.ts';
export { NODE_CLUSTER_CRI_NAMESPACE, SingleNodeCluster } from './single-node-cluster.ts';
export { type SingleNodeClusterOptions, validateNodeClusterOptions } from './single-node-cluster-options.ts';
