import {
  BUILD_COSI_86,
  BUILD_V0_1_0,
  BUILD_V0_2_0,
  BUILD_V0_2_1,
  BUILD_V0_2_2,
  BUILD_V1ALPHA2_MAIN,
  type CrdSource,
  type GoBuildRecipe,
  type UpstreamBuild,
} from '../binaries/component-catalog.ts';
import type { Era } from '../results/run-results.ts';
import type { NeverCalled } from './never-called.ts';

/** How the era's controller names a Bucket for a claim (what reaches DriverCreateBucket as the name). */
export type BucketNaming = 'class-plus-uid' | 'bucket-uid' | 'bc-uid';

/** A sidecar build the harness can run: a pinned upstream build, or a user-supplied binary. */
export interface SidecarVariant {
  name: string;
  era: Era;
  description: string;
  naming: BucketNaming;
  /** The sidecar, built from Go modules when set. */
  recipe?: GoBuildRecipe;
  /** The real COSI controller this sidecar runs beside (its own release, or its era's for patches and binaries). */
  controller: GoBuildRecipe;
  /** The CRDs installed for it. Variants share a control plane only when these are the same. */
  crds: CrdSource;
  /** A binary the user gave (`--sidecar PATH`). */
  binaryPath?: string;
  /** A patch applied to `recipe`'s source before building (patched variants). */
  patchFile?: string;
  /**
   * Where the harness must help this release on a real API server, with the reason. Recorded in its results:
   * a deviation from "upstream binaries only", never applied to another variant.
   */
  deviation?: string;
  /**
   * Time compression for a patch's bounded-retry waits: the sidecar gets env TIME_SCALE_ENV=timeScale and divides
   * only those waits by it (patches/tiered-fix.patch). Recorded in every result; absent means real time.
   */
  timeScale?: number;
  /** RPCs this release's code never makes, with the upstream evidence (the sweep reports them so). */
  neverCalls?: NeverCalled[];
}

function upstream(
  name: string,
  era: Era,
  naming: BucketNaming,
  build: UpstreamBuild,
  description: string,
): SidecarVariant {
  return {
    name,
    era,
    description,
    naming,
    recipe: build.sidecar,
    controller: build.controller,
    crds: build.crds,
  };
}

/** The upstream builds, in the order reports list them: the COSI-86 build first (the default), then the releases by date. */
export const BUILTIN_VARIANTS: SidecarVariant[] = [
  upstream(
    'v1alpha1-cosi86',
    'v1alpha1',
    'class-plus-uid',
    BUILD_COSI_86,
    'COSI-86 sidecar, provisioner-sidecar commit 6a5a12cb56ed (image v20241219-v0.1.0-60-g6a5a12c), controller 2c87d5a5e688',
  ),
  {
    ...upstream(
      'v1alpha1-v0.1.0',
      'v1alpha1',
      'class-plus-uid',
      BUILD_V0_1_0,
      'provisioner-sidecar v0.1.0 (2022-08-17) and controller v0.1.0, unmodified',
    ),
    deviation:
      'v0.1.0 (sidecar and controller) writes status from objects made stale by its own finalizer Update, so a ' +
      "Bucket never becomes ready on a real API server (409 on every status write) and the claim's bucketReady " +
      '(written with Update) is dropped by the status subresource. For delete, grant and revoke scenarios only ' +
      '(class parameter cosi-chaos.io/setup), the harness writes the Bucket status the sidecar attempted (ready, the ' +
      "driver's bucket id) once its finalizer is on, and copies Bucket readiness to the claim. Create scenarios get no help.",
    neverCalls: [
      {
        rpc: 'delete',
        file: 'container-object-storage-interface-controller@v0.1.0 pkg/bucketclaim/bucketclaim.go',
        function: 'bucketClaimListener.provisionBucketClaimOperation and Update',
        why:
          'the claim finalizer is added with Update from the object its UpdateStatus just made stale (409 every time), ' +
          'and Update deletes the Bucket of a deleted claim only while that finalizer is on; Delete only logs',
      },
      {
        rpc: 'revoke',
        file: 'container-object-storage-interface-provisioner-sidecar@v0.1.0 pkg/bucketaccess/bucketaccess_controller.go',
        function: 'BucketAccessListener.Update / deleteBucketAccessOp',
        why: 'every BucketAccess update only removes the Secret and BucketAccess finalizers; nothing calls DriverRevokeBucketAccess',
      },
    ],
  },
  upstream(
    'v1alpha1-v0.2.0',
    'v1alpha1',
    'class-plus-uid',
    BUILD_V0_2_0,
    'monorepo v0.2.0 sidecar and controller (submodules at the tag)',
  ),
  upstream(
    'v1alpha1-v0.2.1',
    'v1alpha1',
    'class-plus-uid',
    BUILD_V0_2_1,
    'monorepo v0.2.1 sidecar and controller (submodules at the tag)',
  ),
  upstream(
    'v1alpha1-v0.2.2',
    'v1alpha1',
    'bucket-uid',
    BUILD_V0_2_2,
    'monorepo v0.2.2 sidecar and controller (last v1alpha1 release)',
  ),
  {
    ...upstream(
      'v1alpha2-main',
      'v1alpha2',
      'bc-uid',
      BUILD_V1ALPHA2_MAIN,
      'monorepo main ee00c2690b87 (v1alpha2, unreleased) sidecar and controller',
    ),
    // The same as patches/policies/upstream-v1alpha2.yaml declares for the matrix.
    neverCalls: [
      {
        rpc: 'delete',
        file: 'sidecar/pkg/reconciler/bucket.go',
        function: 'BucketReconciler.Reconcile, deletion branch',
        why: 'a Bucket being deleted only has its finalizer removed (TODO: deletion logic); nothing calls DriverDeleteBucket',
      },
      {
        rpc: 'revoke',
        file: 'sidecar/pkg/reconciler/bucketaccess.go',
        function: 'BucketAccessReconciler.SetupWithManager, event filter',
        why:
          'a deleted BucketAccess arrives as an Update none of the predicates passes (no deletion predicate), so ' +
          'reconcileDelete and DriverRevokeBucketAccess are never reached; the controller deletion branch is a TODO',
      },
    ],
  },
];

/** The controller and CRDs a user's binary or patch of an era runs with: that era's newest pinned build. */
export function eraDefaults(era: Era): Pick<SidecarVariant, 'controller' | 'crds' | 'naming'> {
  const base = BUILTIN_VARIANTS.find(
    (v) => v.name === (era === 'v1alpha1' ? 'v1alpha1-cosi86' : 'v1alpha2-main'),
  );
  if (!base) throw new Error(`no pinned build for era ${era}`);
  return { controller: base.controller, crds: base.crds, naming: base.naming };
}

/** True when two variants can share one control plane: the same CRDs (and so the same era). */
export function sameApi(a: SidecarVariant, b: SidecarVariant): boolean {
  return a.crds.module === b.crds.module && a.crds.version === b.crds.version && a.era === b.era;
}

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
