import {
  type GoBuildRecipe,
  SIDECAR_COSI_86,
  SIDECAR_V0_1_0,
  SIDECAR_V1ALPHA2_MAIN,
} from '../binaries/component-catalog.ts';
import type { Era } from '../results/run-results.ts';

/** How the era's controller names a Bucket for a claim (what reaches DriverCreateBucket as the name). */
export type BucketNaming = 'class-plus-uid' | 'bucket-uid' | 'bc-uid';

/** A sidecar build the harness can run: a pinned upstream build, or a user-supplied binary. */
export interface SidecarVariant {
  name: string;
  era: Era;
  description: string;
  naming: BucketNaming;
  /** Built from Go modules when set. */
  recipe?: GoBuildRecipe;
  /** A binary the user gave (`--sidecar PATH`). */
  binaryPath?: string;
  /** A patch applied to `recipe`'s source before building (patched variants). */
  patchFile?: string;
  /** Known reason it cannot be built here, checked again at run time (the proxy may serve it later). */
  knownUnavailable?: string;
}

/** The upstream builds, in the order reports list them. */
export const BUILTIN_VARIANTS: SidecarVariant[] = [
  {
    name: 'v1alpha1-cosi86',
    era: 'v1alpha1',
    description:
      'COSI-86 sidecar, provisioner-sidecar commit 6a5a12cb56ed (image v20241219-v0.1.0-60-g6a5a12c)',
    naming: 'class-plus-uid',
    recipe: SIDECAR_COSI_86,
  },
  {
    name: 'v1alpha1-v0.1.0',
    era: 'v1alpha1',
    description: 'provisioner-sidecar v0.1.0 (2022-08-17), unmodified',
    naming: 'class-plus-uid',
    recipe: SIDECAR_V0_1_0,
  },
  {
    name: 'v1alpha1-v0.2.2',
    era: 'v1alpha1',
    description: 'monorepo v0.2.2 sidecar (last v1alpha1 release)',
    naming: 'bucket-uid',
    knownUnavailable:
      'its internal/ submodule has no tag and no pseudo-version the Go module proxy serves here, and the root module replaces it with a path that is not in the module zip',
  },
  {
    name: 'v1alpha2-main',
    era: 'v1alpha2',
    description: 'monorepo main (v1alpha2, unreleased)',
    naming: 'bc-uid',
    recipe: SIDECAR_V1ALPHA2_MAIN,
  },
];

/** Variant names accepted by `--sidecar`: an era selects all of its variants. */
export function selectVariants(
  selector: string | undefined,
  all: SidecarVariant[] = BUILTIN_VARIANTS,
): SidecarVariant[] {
  if (!selector) return all;
  const byEra = all.filter((v) => v.era === selector);
  if (byEra.length) return byEra;
  return all.filter((v) => v.name === selector);
}
