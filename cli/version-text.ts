import {
  ACTIONLINT,
  CHAINSAW,
  ETCD,
  type GoBuildRecipe,
  KUBE_APISERVER,
  KUBE_CONTROLLER_MANAGER,
  KUBE_PROXY,
  KUBE_SCHEDULER,
  KUBELET,
  RUN_VARIANTS,
  SAMPLE_COSI_DRIVER,
  SCALITY_REVISIONS,
  VERSITYGW,
} from '../harness/index.ts';
import { TOOL_VERSION } from './run-lifecycle.ts';

/**
 * What `cosi-chaos --version` prints: the package's version, then every pinned component one line each (name,
 * version, the Go module it is built from), so a bug report names the exact builds a result came from.
 */
export function versionText(): string {
  const rows: [string, GoBuildRecipe][] = [
    ['etcd', ETCD],
    ['kube-apiserver', KUBE_APISERVER],
    ['kubelet', KUBELET],
    ['kube-controller-manager', KUBE_CONTROLLER_MANAGER],
    ['kube-scheduler', KUBE_SCHEDULER],
    ['kube-proxy', KUBE_PROXY],
    // The releases; the patched variants are the COSI-86 build plus a patch file, named by `doctor`.
    ...RUN_VARIANTS.filter((v) => !v.patchFile).flatMap((v): [string, GoBuildRecipe][] => [
      ...(v.recipe ? [[`sidecar ${v.name}`, v.recipe] as [string, GoBuildRecipe]] : []),
      [`controller ${v.name}`, v.controller],
    ]),
    ['sample-cosi-driver', SAMPLE_COSI_DRIVER],
    ...SCALITY_REVISIONS.map((r): [string, GoBuildRecipe] => [`scality-cosi-driver@${r.commit}`, r.recipe]),
    ['versitygw', VERSITYGW],
    ['chainsaw', CHAINSAW],
    ['actionlint', ACTIONLINT],
  ];
  const nameWidth = Math.max(...rows.map(([n]) => n.length));
  const versionWidth = Math.max(...rows.map(([, r]) => r.version.length));
  return [
    `cosi-chaos ${TOOL_VERSION}`,
    ...rows.map(([n, r]) => `${n.padEnd(nameWidth)}  ${r.version.padEnd(versionWidth)}  ${r.origin}`),
  ].join('\n');
}
