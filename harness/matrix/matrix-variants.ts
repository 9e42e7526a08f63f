import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIDECAR_V0_1_0, SIDECAR_V1ALPHA2_MAIN } from '../binaries/component-catalog.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PATCH_DIR = join(PROJECT_ROOT, 'patches');
export const POLICY_DIR = join(PATCH_DIR, 'policies');

/**
 * The matrix's four variants. The v1alpha1 base is the v0.1.0 sidecar: the COSI-86 commit (6a5a12cb56ed) is not
 * served by the Go module proxy here, and every v1alpha1 variant must share one base to be comparable.
 */
export function builtinMatrixVariants(): SidecarVariant[] {
  return [
    {
      name: 'upstream-v1alpha1',
      era: 'v1alpha1',
      description: 'provisioner-sidecar v0.1.0, unmodified',
      naming: 'class-plus-uid',
      recipe: SIDECAR_V0_1_0,
    },
    {
      name: 'seed-patch',
      era: 'v1alpha1',
      description: 'v0.1.0 + patches/seed-patch.patch (the COSI-86 proposal, as proposed)',
      naming: 'class-plus-uid',
      recipe: SIDECAR_V0_1_0,
      patchFile: join(PATCH_DIR, 'seed-patch.patch'),
    },
    {
      name: 'correct-fix',
      era: 'v1alpha1',
      description: 'v0.1.0 + patches/correct-fix.patch (permanent codes not requeued)',
      naming: 'class-plus-uid',
      recipe: SIDECAR_V0_1_0,
      patchFile: join(PATCH_DIR, 'correct-fix.patch'),
    },
    {
      name: 'upstream-v1alpha2',
      era: 'v1alpha2',
      description: 'monorepo main, unmodified',
      naming: 'bc-uid',
      recipe: SIDECAR_V1ALPHA2_MAIN,
    },
  ];
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
    return {
      name,
      era: base.era,
      description: `${base.name} + ${file}`,
      naming: base.naming,
      recipe: base.recipe,
      patchFile: file,
    };
  }
  return { name, era: base.era, description: `user binary ${file}`, naming: base.naming, binaryPath: file };
}

/** The policy file for a variant: an explicit one, or patches/policies/<name>.yaml. */
export function policyFileFor(variant: string, explicit: Map<string, string>): string | undefined {
  const given = explicit.get(variant);
  if (given) return resolve(given);
  const conventional = join(POLICY_DIR, `${variant}.yaml`);
  return existsSync(conventional) ? conventional : undefined;
}
