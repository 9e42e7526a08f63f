import {
  ETCD,
  type GoBuildRecipe,
  KUBE_APISERVER,
  KUBE_CONTROLLER_MANAGER,
  KUBE_PROXY,
  KUBE_SCHEDULER,
  KUBELET,
} from '../binaries/component-catalog.ts';
import type { BuildProgress } from '../binaries/go-module-builder.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';

/** Paths of every Go-built binary a single-node cluster runs. */
export interface NodeClusterBinaries {
  etcd: string;
  kubeApiServer: string;
  kubelet: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubeProxy: string;
}

/** User-given paths per binary (else TEST_ASSET_<NAME>, KUBEBUILDER_ASSETS, the cache, a build). */
export type NodeClusterBinaryPaths = Partial<NodeClusterBinaries>;

/** What each binary of the single-node cluster is built from. */
export const NODE_CLUSTER_RECIPES: Record<keyof NodeClusterBinaries, GoBuildRecipe> = {
  etcd: ETCD,
  kubeApiServer: KUBE_APISERVER,
  kubelet: KUBELET,
  kubeControllerManager: KUBE_CONTROLLER_MANAGER,
  kubeScheduler: KUBE_SCHEDULER,
  kubeProxy: KUBE_PROXY,
};

/**
 * Finds or builds each binary, one at a time (each k8s.io/kubernetes command is a 1-3 minute build on 2 cores;
 * in parallel they only compete for the same cores and build cache). Built once into ~/.cache/cosi-chaos/bin.
 */
export async function provisionNodeClusterBinaries(
  configured: NodeClusterBinaryPaths = {},
  progress?: BuildProgress,
): Promise<NodeClusterBinaries> {
  const out: Partial<NodeClusterBinaries> = {};
  for (const key of Object.keys(NODE_CLUSTER_RECIPES) as (keyof NodeClusterBinaries)[]) {
    out[key] = (
      await provisionBinary(NODE_CLUSTER_RECIPES[key], { configuredPath: configured[key], progress })
    ).path;
  }
  return out as NodeClusterBinaries;
}
