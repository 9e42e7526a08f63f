import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILD_V1ALPHA2_MAIN } from '../binaries/component-catalog.ts';
import { COSI86_BASE, PATCH_DIR, PATCHED_VARIANTS } from '../variants/patched-variants.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';

export { PATCH_DIR };
export const POLICY_DIR = join(PATCH_DIR, 'policies');

/**
 * The matrix's variants (four by default, tiered-fix by --only). The v1alpha1 base is the exact COSI-86 sidecar (commit 6a5a12cb56ed), the build
 * the seeds' patch was written for; every v1alpha1 variant shares it (and its controller and CRDs) to be
 * comparable. v1alpha2 runs in its own control plane (its own CRDs and controller).
 */
export function builtinMatrixVariants(): SidecarVariant[] {
  return [
    {
      ...COSI86_BASE,
      name: 'upstream-v1alpha1',
      description: 'provisioner-sidecar 6a5a12cb56ed (the COSI-86 build), unmodified',
    },
    ...PATCHED_VARIANTS,
    {
      name: 'upstream-v1alpha2',
      era: 'v1alpha2',
      description: 'monorepo main ee00c2690b87, unmodified',
      naming: 'bc-uid',
      recipe: BUILD_V1ALPHA2_MAIN.sidecar,
      controller: BUILD_V1ALPHA2_MAIN.controller,
      crds: BUILD_V1ALPHA2_MAIN.crds,
    },
  ];
}

// Named with --only: its retriable cells wait 1+2+5 scaled minutes and add a fifth control plane per RPC, which the
// default matrix (the one `npm test` and CI run) does not pay for; the scenarios run it on COSI-86 and delete.
const OPT_IN = new Set(['tiered-fix']);

/** The variants `matrix` runs without --only: every built-in one but the opt-in tiered fix. */
export function defaultMatrixVariants(): SidecarVariant[] {
  return builtinMatrixVariants().filter((v) => !OPT_IN.has(v.name));
}

/** `--variant NAME=PATCH_FILE` (a .patch/.diff applied to `base`) or `NAME=BINARY`. */
export function userVariant(spec: string, base: SidecarVariant): SidecarVariant | string {
  const eq = spec.indexOf('=');
  if (eq <= 0) return `--variant "${spec}": expected NAME=PATCH_FILE or NAME=BINARY`;
  const name = spec.slice(0, eq);
  const file = resolve(spec.slice(eq + 1));
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    return `--variant "${spec}": NAME must be lower-case letters, digits and dashes`;
  if (!existsSync(file)) return `--variant "${spec}": ${file} does not exist`;
  if (/\.(patch|diff)$/.test(file)) {
    if (!base.recipe) return `--variant "${spec}": base ${base.name} cannot be built here`;
    return { ...base, name, description: `${base.name} + ${file}`, patchFile: file, deviation: undefined };
  }
  return {
    ...base,
    name,
    description: `user binary ${file}`,
    recipe: undefined,
    patchFile: undefined,
    binaryPath: file,
  };
}

/** The policy file for a variant: an explicit one, or patches/policies/<name>.yaml. */
export function policyFileFor(variant: string, explicit: Map<string, string>): string | undefined {
  const given = explicit.get(variant);
  if (given) return resolve(given);
  const conventional = join(POLICY_DIR, `${variant}.yaml`);
  return existsSync(conventional) ? conventional : undefined;
}
