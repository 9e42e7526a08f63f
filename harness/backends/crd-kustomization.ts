import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { V1ALPHA1_CRDS } from '../binaries/component-catalog.ts';
import { crdManifests } from '../cosi/crd-installer.ts';
import { parseManifests } from '../cosi/kube-apply.ts';

export interface CrdKustomization {
  dir: string;
  /** CRD names (e.g. buckets.objectstorage.k8s.io), in file order. */
  crdNames: string[];
}

/**
 * Writes the v1alpha1 CRDs from the Go module cache (never copied into the repository) plus a kustomization into
 * `dir`, for `kubectl apply -k` offline. Adds the api-approved.kubernetes.io annotation as upstream's own root
 * kustomization does; deploy/crds/v1alpha1 is the same thing as a remote base.
 */
export async function writeV1alpha1CrdKustomization(dir: string): Promise<CrdKustomization> {
  await mkdir(dir, { recursive: true });
  const crdNames: string[] = [];
  const files: string[] = [];
  for (const text of await crdManifests(V1ALPHA1_CRDS)) {
    for (const obj of parseManifests(text)) {
      const name = obj.metadata?.name;
      if (obj.kind !== 'CustomResourceDefinition' || !name) continue;
      crdNames.push(name);
      files.push(`${name}.yaml`);
      await writeFile(join(dir, `${name}.yaml`), stringify(obj));
    }
  }
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    commonAnnotations: {
      'api-approved.kubernetes.io': 'unapproved, upstream v1alpha1 CRDs installed by cosi-chaos',
    },
    resources: files,
  };
  await writeFile(join(dir, 'kustomization.yaml'), stringify(kustomization));
  return { dir, crdNames };
}
