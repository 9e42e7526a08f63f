import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_COSI_86 } from '../binaries/component-catalog.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from './sidecar-variants.ts';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PATCH_DIR = join(PROJECT_ROOT, 'patches');

/** The COSI-86 build every shipped patch applies to: its sidecar, controller and CRDs. */
export const COSI86_BASE = {
  era: 'v1alpha1' as const,
  naming: 'class-plus-uid' as const,
  recipe: BUILD_COSI_86.sidecar,
  controller: BUILD_COSI_86.controller,
  crds: BUILD_COSI_86.crds,
};

/**
 * The patches shipped in patches/, each on the COSI-86 build 6a5a12cb56ed: a variant of `run` and of scenario
 * files like any release, and of the matrix under the same names.
 */
export const PATCHED_VARIANTS: SidecarVariant[] = [
  {
    ...COSI86_BASE,
    name: 'seed-patch',
    description: '6a5a12cb56ed + patches/seed-patch.patch (the COSI-86 proposal, as proposed)',
    patchFile: join(PATCH_DIR, 'seed-patch.patch'),
  },
  {
    ...COSI86_BASE,
    name: 'correct-fix',
    description: '6a5a12cb56ed + patches/correct-fix.patch (permanent codes not requeued)',
    patchFile: join(PATCH_DIR, 'correct-fix.patch'),
  },
];

/** Every variant `run`, `up` and scenario files can name: the pinned releases, then the shipped patches. */
export const RUN_VARIANTS: SidecarVariant[] = [...BUILTIN_VARIANTS, ...PATCHED_VARIANTS];

/**
 * `--patch NAME=FILE[@BASE]`: a user's patch on a pinned build (default the COSI-86 build), run with that build's
 * controller and CRDs. Returns the problem as text when the flag is wrong.
 */
export function userPatchVariant(spec: string): SidecarVariant | string {
  const eq = spec.indexOf('=');
  if (eq <= 0) return `--patch "${spec}": expected NAME=FILE or NAME=FILE@BASE`;
  const name = spec.slice(0, eq);
  const rest = spec.slice(eq + 1);
  const at = rest.lastIndexOf('@');
  const file = resolve(at > 0 ? rest.slice(0, at) : rest);
  const baseName = at > 0 ? rest.slice(at + 1) : 'v1alpha1-cosi86';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    return `--patch "${spec}": NAME must be lower-case letters, digits and dashes`;
  if (RUN_VARIANTS.some((v) => v.name === name))
    return `--patch "${spec}": a variant named ${name} exists; choose another NAME`;
  if (!existsSync(file)) return `--patch "${spec}": ${file} does not exist`;
  const base = BUILTIN_VARIANTS.find((v) => v.name === baseName);
  if (!base?.recipe)
    return `--patch "${spec}": BASE must be one of ${BUILTIN_VARIANTS.filter((v) => v.recipe)
      .map((v) => v.name)
      .join(', ')}`;
  return {
    ...base,
    name,
    description: `${base.description} + ${file}`,
    patchFile: file,
    deviation: undefined,
  };
}
