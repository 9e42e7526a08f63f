import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { GoBuildRecipe } from '../binaries/component-catalog.ts';
import { goModDownload } from '../binaries/go-module-download.ts';
import { parseManifests } from './kube-apply.ts';

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

/** A controller's upstream RBAC, moved into the harness's namespace: what to apply and whom it binds. */
export interface UpstreamRbac {
  objects: KubernetesObject[];
  /** The ServiceAccount upstream binds (e.g. objectstorage-controller-sa), created in `namespace`. */
  serviceAccount: string;
}

/**
 * Reads the controller's RBAC manifest from its own module version (never copied into this repository) and
 * installs it as upstream's deployment does, except that every namespaced object and ServiceAccount subject
 * moves from upstream's `default` to `namespace`. The rules are upstream's, unchanged: if they are not enough
 * for the controller, that shows in its log as a Forbidden, as it would in a cluster.
 */
export async function upstreamControllerRbac(
  recipe: GoBuildRecipe,
  namespace: string,
): Promise<UpstreamRbac> {
  if (!recipe.rbacFile) throw new Error(`${recipe.origin} has no upstream RBAC manifest in the catalog`);
  const dir = (await goModDownload(recipe.module, recipe.moduleVersion)).dir;
  const objects = rbacFromManifest(await readFile(join(dir, recipe.rbacFile), 'utf8'), namespace);
  const serviceAccount = (objects as (KubernetesObject & { subjects?: Subject[] })[])
    .flatMap((o) => o.subjects ?? [])
    .find((s) => s.kind === 'ServiceAccount')?.name;
  if (!serviceAccount) throw new Error(`${recipe.rbacFile} of ${recipe.origin} binds no ServiceAccount`);
  return {
    serviceAccount,
    objects: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } },
      ...objects,
    ],
  };
}

const RBAC_KINDS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'];

/**
 * The RBAC objects of a manifest, moved into `namespace`: namespaced objects and ServiceAccount subjects go there
 * (renamed to `account` when given: a user's driver runs as the harness's ServiceAccount). Rules stay as written;
 * anything else in the manifest (Deployments, Services ...) is left out.
 */
export function rbacFromManifest(text: string, namespace: string, account?: string): KubernetesObject[] {
  return parseManifests(text)
    .filter((doc) => RBAC_KINDS.includes(String(doc.kind)))
    .map((doc) => {
      const obj = structuredClone(doc) as KubernetesObject & { subjects?: Subject[] };
      const namespaced = obj.kind === 'Role' || obj.kind === 'RoleBinding';
      if (obj.metadata) {
        if (namespaced) obj.metadata.namespace = namespace;
        else delete obj.metadata.namespace;
      }
      for (const s of obj.subjects ?? []) {
        if (s.kind !== 'ServiceAccount') continue;
        if (account) s.name = account;
        s.namespace = namespace;
      }
      return obj;
    });
}

/** A ClusterRole of these rules bound to the ServiceAccount `account` in `namespace`. */
export function clusterRoleFor(
  account: string,
  namespace: string,
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[],
): KubernetesObject[] {
  const name = `cosi-chaos:${namespace}:${account}`;
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules,
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
    } as KubernetesObject,
  ];
}
