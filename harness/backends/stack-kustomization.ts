import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import type { StackVariant } from './cluster-backend.ts';
import {
  CONTROLLER_IMAGE_NAME,
  DEPLOY_DIR,
  MOCK_DRIVER_IMAGE_NAME,
  SIDECAR_IMAGE_NAME,
} from './deploy-paths.ts';

/** deploy/ directories a variant's kustomization may start from. */
export type StackSource = 'base' | 'overlays/kind' | 'overlays/patched-sidecar';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Object-name suffix for a variant: `-` + the name lowercased with anything outside [a-z0-9-] turned into `-`. */
export function variantSuffix(variant: string): string {
  const s = variant
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!s || !DNS_LABEL.test(s))
    throw new Error(`variant ${JSON.stringify(variant)}: cannot be made a DNS label`);
  return `-${s}`;
}

/** Names of one variant's objects after kustomize's nameSuffix. */
export function variantObjectNames(suffix: string): { deployment: string; adminService: string } {
  return { deployment: `cosi-chaos-driver${suffix}`, adminService: `cosi-chaos-driver-admin${suffix}` };
}

export const CONTROLLER_DEPLOYMENT = 'cosi-chaos-controller';

/** kustomize refuses absolute resource paths; resources are written relative to the generated dir. */
function deployRef(fromDir: string, sub: string): string {
  return relative(fromDir, join(DEPLOY_DIR, sub));
}

function image(name: string, ref: string): Record<string, string> {
  // name:tag or name@digest; a registry host may carry a port, so split at the last ':' after the last '/'.
  const at = ref.indexOf('@');
  if (at > 0) return { name, newName: ref.slice(0, at), digest: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/'))
    return { name, newName: ref.slice(0, colon), newTag: ref.slice(colon + 1) };
  return { name, newName: ref };
}

/**
 * Writes a kustomization for one driver + sidecar pair into `dir`: the chosen deploy/ source moved into
 * `namespace`, every name suffixed with `suffix`, selectors made unique per variant, and the driver name, rules
 * and sidecar image of the variant (driverImage: a mock driver image the cluster can pull, default deploy/base's).
 */
export async function writeVariantKustomization(
  dir: string,
  opts: {
    source: StackSource;
    namespace: string;
    suffix: string;
    variant: StackVariant;
    driverImage?: string;
  },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { variant } = opts;
  const configMapGenerator: object[] = [
    {
      name: 'cosi-chaos-driver-config',
      behavior: 'merge',
      literals: [`driverName=${variant.driverName}`],
      options: { disableNameSuffixHash: true },
    },
  ];
  if (variant.rules !== undefined) {
    await writeFile(join(dir, 'rules.yaml'), variant.rules);
    configMapGenerator.push({
      name: 'cosi-chaos-driver-rules',
      behavior: 'replace',
      files: ['rules.yaml'],
      options: { disableNameSuffixHash: true },
    });
  }
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: opts.namespace,
    nameSuffix: opts.suffix,
    labels: [
      { pairs: { 'cosi-chaos.io/variant': variantSuffix(variant.name).slice(1) }, includeSelectors: true },
    ],
    resources: [deployRef(dir, opts.source)],
    configMapGenerator,
  };
  const images = [
    ...(variant.sidecarImage ? [image(SIDECAR_IMAGE_NAME, variant.sidecarImage)] : []),
    ...(opts.driverImage ? [image(MOCK_DRIVER_IMAGE_NAME, opts.driverImage)] : []),
  ];
  if (images.length) Object.assign(kustomization, { images });
  await writeFile(join(dir, 'kustomization.yaml'), stringify(kustomization));
  return dir;
}

/** Writes a kustomization for deploy/controller in `namespace`, names suffixed, optionally another image. */
export async function writeControllerKustomization(
  dir: string,
  opts: { namespace: string; suffix: string; image?: string },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: opts.namespace,
    ...(opts.suffix ? { nameSuffix: opts.suffix } : {}),
    resources: [deployRef(dir, 'controller')],
    ...(opts.image ? { images: [image(CONTROLLER_IMAGE_NAME, opts.image)] } : {}),
  };
  await writeFile(join(dir, 'kustomization.yaml'), stringify(kustomization));
  return dir;
}
