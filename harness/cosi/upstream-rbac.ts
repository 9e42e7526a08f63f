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
  const docs = parseManifests(await readFile(join(dir, recipe.rbacFile), 'utf8'));
  let serviceAccount: string | undefined;
  const objects = docs.map((doc) => {
    const obj = structuredClone(doc) as KubernetesObject & { subjects?: Subject[] };
    const namespaced = obj.kind === 'Role' || obj.kind === 'RoleBinding';
    if (obj.metadata) {
      if (namespaced) obj.metadata.namespace = namespace;
      else delete obj.metadata.namespace;
    }
    for (const s of obj.subjects ?? []) {
      if (s.kind !== 'ServiceAccount') continue;
      serviceAccount ??= s.name;
      s.namespace = namespace;
    }
    return obj;
  });
  if (!serviceAccount) throw new Error(`${recipe.rbacFile} of ${recipe.origin} binds no ServiceAccount`);
  return {
    serviceAccount,
    objects: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } },
      ...objects,
    ],
  };
}
