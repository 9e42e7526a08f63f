import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ComponentVersion, SidecarResolver, SuiteOptions } from '../harness/index.ts';
import {
  type BuiltImage,
  buildControllerImage,
  buildMockDriverImage,
  buildSidecarImage,
  ClusterEnvironment,
  ClusterTurns,
  type CommandRunner,
  deletesAlone,
  ExistingClusterBackend,
  KindBackend,
  RUN_VARIANTS,
  requireKindTools,
  type StackImages,
  type StackVariant,
} from '../harness/index.ts';
import { UsageError } from './exit-codes.ts';

/** Backends `run --backend` accepts (k3s stays a test lane). */
export const RUN_BACKENDS = ['local', 'kind', 'existing'] as const;
export type RunBackend = (typeof RUN_BACKENDS)[number];

/** The `run` flags that choose where the suite runs. */
export interface BackendFlags {
  /** local (default), kind or existing. */
  backend?: string;
  /** existing only: kubeconfig file (default kubectl's). */
  kubeconfig?: string;
  /** existing only: context in it (default its current one). */
  context?: string;
  /** kind/existing: a mock driver image the cluster can pull (default the one built here). */
  driverImage?: string;
  /** kind only: leave the cluster running afterwards (a later run reuses it). */
  keep?: boolean;
  /** kind only: cluster name (default cosi-chaos). */
  clusterName?: string;
  /** kind/existing: NAME=IMAGE, the sidecar image of a variant (repeatable). */
  sidecarImage?: string[];
}

/** Test seams: the command runner and the waits (defaults: real kubectl/kind/docker, 180 s rollout, 120 s ready). */
export interface BackendOverrides {
  runner?: CommandRunner;
  rolloutTimeoutSeconds?: number;
  readyTimeoutMs?: number;
}

/** What runSuite needs to run on the chosen backend; empty for local (its defaults are the local control plane). */
export interface BackendChoice {
  backend: RunBackend;
  suite: Pick<SuiteOptions, 'startEnvironment' | 'resolveSidecar' | 'environmentKey'>;
}

const KIND_NAME = /^[a-z0-9][a-z0-9.-]*$/;

function only(flag: string, given: unknown, allowed: RunBackend[], backend: RunBackend): void {
  if (given === undefined || given === false) return;
  if (!allowed.includes(backend))
    throw new UsageError(
      `${flag} is only valid with --backend ${allowed.join(' or ')}, not with --backend ${backend}`,
    );
}

// NAME=IMAGE pairs, one per variant; NAME is a builtin variant or "custom" (a --sidecar binary's variant).
function sidecarImages(pairs: string[]): Map<string, string> {
  const names = new Set([...RUN_VARIANTS.map((v) => v.name), 'custom']);
  const images = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const image = pair.slice(eq + 1);
    if (eq <= 0 || !image)
      throw new UsageError(
        `--sidecar-image "${pair}" is not NAME=IMAGE (e.g. v1alpha1-v0.1.0=repo/sidecar:tag)`,
      );
    if (!names.has(name))
      throw new UsageError(`--sidecar-image ${pair}: "${name}" is not one of ${[...names].join(', ')}`);
    if (images.has(name)) throw new UsageError(`--sidecar-image names ${name} twice`);
    images.set(name, image);
  }
  return images;
}

/**
 * Validates the backend flags (UsageError, exit 2, naming the flag) and returns the runSuite options for that
 * backend. On kind and existing all variants share one cluster and one COSI controller; a variant runs the image
 * --sidecar-image gives it, v1alpha1-cosi86 deploy/base's default, and any other variant is 'unavailable'.
 */
export function backendFromFlags(flags: BackendFlags, overrides: BackendOverrides = {}): BackendChoice {
  const backend = (flags.backend ?? 'local') as RunBackend;
  if (!RUN_BACKENDS.includes(backend))
    throw new UsageError(`--backend must be one of ${RUN_BACKENDS.join(', ')}, not "${flags.backend}"`);
  only('--kubeconfig', flags.kubeconfig, ['existing'], backend);
  only('--context', flags.context, ['existing'], backend);
  only('--driver-image', flags.driverImage, ['kind', 'existing'], backend);
  only('--keep', flags.keep, ['kind'], backend);
  only('--cluster-name', flags.clusterName, ['kind'], backend);
  only('--sidecar-image', flags.sidecarImage?.length ? true : undefined, ['kind', 'existing'], backend);
  if (flags.kubeconfig !== undefined && !existsSync(flags.kubeconfig))
    throw new UsageError(`--kubeconfig ${flags.kubeconfig}: no such file`);
  if (flags.clusterName !== undefined && !KIND_NAME.test(flags.clusterName))
    throw new UsageError(`--cluster-name "${flags.clusterName}" is not a valid kind cluster name`);
  const images = sidecarImages(flags.sidecarImage ?? []);
  if (backend === 'local') return { backend, suite: {} };

  // Images built here from the pinned sources (cached), or the user's own for a variant's sidecar.
  const builtSidecars = new Map<string, BuiltImage>();
  const resolveSidecar: SidecarResolver = async (v, progress) => {
    const own = images.get(v.name);
    if (own) return { path: own, component: userImage(v.name, own, backend) };
    if (v.binaryPath)
      throw new UsageError(
        `--sidecar ${v.binaryPath}: a sidecar binary cannot run on the ${backend} backend; ` +
          `give its image with --sidecar-image ${v.name}=IMAGE`,
      );
    const built = await buildSidecarImage(v, progress);
    builtSidecars.set(v.name, built);
    return { path: built.ref, component: builtImageComponent(`sidecar ${v.name}`, built) };
  };
  const turns = new ClusterTurns();
  const backendFor = (logDir: string, variants: StackVariant[], stackImages: StackImages) =>
    backend === 'kind'
      ? new KindBackend({
          variants,
          images: stackImages,
          workDir: logDir,
          ...(flags.clusterName ? { clusterName: flags.clusterName } : {}),
          keep: flags.keep ?? false,
          ...(overrides.rolloutTimeoutSeconds
            ? { rolloutTimeoutSeconds: overrides.rolloutTimeoutSeconds }
            : {}),
          ...(overrides.runner ? { runner: overrides.runner } : {}),
        })
      : new ExistingClusterBackend({
          variants,
          images: stackImages,
          workDir: logDir,
          ...(flags.kubeconfig ? { kubeconfig: resolve(flags.kubeconfig) } : {}),
          ...(flags.context ? { context: flags.context } : {}),
          ...(overrides.rolloutTimeoutSeconds
            ? { rolloutTimeoutSeconds: overrides.rolloutTimeoutSeconds }
            : {}),
          ...(overrides.runner ? { runner: overrides.runner } : {}),
        });
  return {
    backend,
    suite: {
      resolveSidecar,
      // One release at a time per cluster (its CRDs), all of its scenarios in one namespace and one controller;
      // a scenario that deletes gets a turn per sidecar, as it gets a plane per sidecar locally (suite-runner): with
      // the three patched builds beside v1alpha1-cosi86 on one controller, 3 of 4 bucket-not-empty claims never
      // became ready (the controller's status writes lost to the sidecars' for the whole window).
      environmentKey: (s, v) =>
        `${v.controller.origin}|${v.crds.module}@${v.crds.version}${deletesAlone(s, v)}`,
      startEnvironment: async (a) => {
        if (backend === 'kind') await requireKindTools(overrides.runner);
        const first = a.members[0];
        if (!first) throw new Error('an environment needs at least one variant');
        const progress = (p: string, d: string) => a.progress?.(`${p}: ${d}`);
        const controller = await buildControllerImage(first.variant, progress);
        const driver = flags.driverImage ? undefined : await buildMockDriverImage(progress);
        const stackImages: StackImages = {
          driverImage: flags.driverImage ?? (driver as BuiltImage).ref,
          controllerImage: controller.ref,
          // kind loads archives into its nodes; an existing cluster is given refs only (the user loads or pushes).
          archives: [
            ...(driver ? [driver.archivePath] : []),
            controller.archivePath,
            ...a.members.flatMap((m) => builtSidecars.get(m.variant.name)?.archivePath ?? []),
          ],
        };
        return ClusterEnvironment.start({
          members: a.members.map((m) => ({ variant: m.variant, sidecarImage: m.sidecarBinary })),
          scenarios: a.scenarios,
          logDir: a.logDir,
          progress: a.progress,
          turns,
          backend: (variants) => backendFor(a.logDir, variants, stackImages),
          ...(overrides.readyTimeoutMs ? { readyTimeoutMs: overrides.readyTimeoutMs } : {}),
        });
      },
    },
  };
}

function userImage(variant: string, image: string, backend: RunBackend): ComponentVersion {
  const tag = image.includes('@') ? image.slice(image.indexOf('@') + 1) : image.split(':').at(-1);
  return {
    name: `sidecar ${variant}`,
    version: tag && !tag.includes('/') ? tag : 'latest',
    source: `image ${image} (--sidecar-image) on the ${backend} backend`,
    path: image,
  };
}

function builtImageComponent(name: string, image: BuiltImage): ComponentVersion {
  return {
    name,
    version: image.ref.split(':').at(-1) ?? image.ref,
    source: `image ${image.ref} (${image.imageId}) built here from ${image.source}`,
    path: image.archivePath,
  };
}
