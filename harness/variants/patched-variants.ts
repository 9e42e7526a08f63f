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
 * The factor tiered-fix divides its 1m/2m/5m waits by unless --time-scale says otherwise: 60, so they take 1 s,
 * 2 s and 5 s and a cell fits a 60 s window. Results record it; `--time-scale 1` measures real time.
 */
export const DEFAULT_TIME_SCALE = 60;

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
  {
    ...COSI86_BASE,
    name: 'tiered-fix',
    description:
      '6a5a12cb56ed + patches/tiered-fix.patch (transient: backoff; PermissionDenied, Unauthenticated: 3 retries at 1m, 2m, 5m; terminal: one attempt)',
    patchFile: join(PATCH_DIR, 'tiered-fix.patch'),
    timeScale: DEFAULT_TIME_SCALE,
  },
];

/** `--time-scale N` on the variants whose patch reads it (they have a timeScale); the others are unchanged. */
export function withTimeScale(variants: SidecarVariant[], factor: number | undefined): SidecarVariant[] {
  if (factor === undefined) return variants;
  return variants.map((v) => (v.timeScale === undefined ? v : { ...v, timeScale: factor }));
}

/** Parses --time-scale: a number > 0 (1 = real time); the problem as text otherwise. */
export function parseTimeScale(flag: string | undefined): number | undefined | string {
  if (flag === undefined) return undefined;
  const n = Number(flag);
  return Number.isFinite(n) && n > 0 ? n : `--time-scale "${flag}" is not a number > 0 (1 = real time)`;
}

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
