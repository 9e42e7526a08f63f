import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiextensionsV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { CrdSource } from '../binaries/component-catalog.ts';
import { goModDownload } from '../binaries/go-module-download.ts';
import { applyObjects, parseManifests } from './kube-apply.ts';

/** An era's CRD manifests, read from the upstream module in the Go module cache (never copied). */
export async function crdManifests(source: CrdSource): Promise<string[]> {
  const dir = join((await goModDownload(source.module, source.version)).dir, source.folder);
  // kustomization.yaml (v1alpha2's folder has one) is not a CRD.
  const files = (await readdir(dir))
    .filter((f) => f.startsWith('objectstorage.k8s.io_') && f.endsWith('.yaml'))
    .sort();
  return Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
}

// The API server refuses CRDs in *.k8s.io groups without this annotation; the v0.1 CRD files lack it (upstream's
// deployment adds it), so it is added here, marked as not an approval.
const APPROVAL = 'api-approved.kubernetes.io';

function withApprovalAnnotation(obj: KubernetesObject): KubernetesObject {
  const annotations = { ...(obj.metadata?.annotations ?? {}) };
  annotations[APPROVAL] ??= 'unapproved, upstream v1alpha1 CRDs installed by cosi-chaos';
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

/** Applies the CRDs and waits until every one is Established. */
export async function installCrds(
  kc: KubeConfig,
  manifests: string[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const objects = manifests.flatMap(parseManifests).map(withApprovalAnnotation);
  await applyObjects(kc, objects);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const names = objects.map((o) => o.metadata?.name as string);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${name} was not Established within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  }
  return names;
}
