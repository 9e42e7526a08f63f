import type { CustomObjectsApi } from '@kubernetes/client-node';
import { COSI_GROUP } from './cosi-objects.ts';

/** A COSI object by where it lives: cluster-scoped when it has no namespace. */
export interface CosiObjectRef {
  plural: string;
  name: string;
  namespace?: string;
}

/**
 * Takes a COSI object away for good: its finalizers emptied first where asked (whoever would remove them is gone),
 * then deleted unless already being deleted. Each step's error goes to `onError`, which may swallow it (the next step
 * still runs) or throw.
 */
export async function removeCosiObject(
  api: CustomObjectsApi,
  version: string,
  o: CosiObjectRef,
  opts: { stripFinalizers: boolean; alreadyDeleting?: boolean; onError: (e: unknown) => void },
): Promise<void> {
  const at = { group: COSI_GROUP, version, plural: o.plural, name: o.name };
  if (opts.stripFinalizers) {
    const body = [{ op: 'replace', path: '/metadata/finalizers', value: [] }];
    await (o.namespace
      ? api.patchNamespacedCustomObject({ ...at, namespace: o.namespace, body })
      : api.patchClusterCustomObject({ ...at, body })
    ).catch(opts.onError);
  }
  if (opts.alreadyDeleting) return;
  await (o.namespace
    ? api.deleteNamespacedCustomObject({ ...at, namespace: o.namespace })
    : api.deleteClusterCustomObject(at)
  ).catch(opts.onError);
}
