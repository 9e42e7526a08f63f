import {
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

/** Parses a multi-document YAML manifest into objects, skipping empty documents. */
export function parseManifests(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object' && !!o.kind);
}

/**
 * Server-side apply of objects that do not depend on each other's existence (RBAC: bindings name their roles and
 * accounts, the API checks neither), all at once: a stack on a reused plane applies a dozen, one by one they took
 * seconds on a loaded machine.
 */
export async function applyIndependentObjects(
  kc: KubeConfig,
  objects: KubernetesObject[],
): Promise<KubernetesObject[]> {
  return Promise.all(objects.map(async (o) => (await applyObjects(kc, [o]))[0] as KubernetesObject));
}

/** Server-side apply of each object in order with our field manager; `dryRun` asks the server to validate only. */
export async function applyObjects(
  kc: KubeConfig,
  objects: KubernetesObject[],
  dryRun = false,
): Promise<KubernetesObject[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const out: KubernetesObject[] = [];
  for (const obj of objects) {
    out.push(
      await api.patch(
        obj,
        undefined,
        dryRun ? 'All' : undefined,
        'cosi-chaos',
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }
  return out;
}
