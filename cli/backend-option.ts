import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SidecarResolver, SuiteOptions } from '../harness/index.ts';
import {
  BUILTIN_VARIANTS,
  ClusterEnvironment,
  type CommandRunner,
  DEFAULT_SIDECAR_IMAGE,
  ExistingClusterBackend,
  KindBackend,
  requireKindTools,
  type StackVariant,
} from '../harness/index.ts';
import { UsageError } from './exit-codes.ts';

/** Backends `run --backend` accepts (k3s stays a test lane). */
export const RUN_BACKENDS = ['local', 'kind', 'existing'] as const;
export type RunBackend = (typeof RUN_BACKENDS)[number];

/** The variant deploy/base's sidecar image is the build of; other variants need --sidecar-image on a cluster. */
export const DEFAULT_IMAGE_VARIANT = 'v1alpha1-cosi86';

/** The `run` flags that choose where the suite runs. */
export interface BackendFlags {
  /** local (default), kind or existing. */
  backend?: string;
  /** existing only: kubeconfig file (default kubectl's). */
  kubeconfig?: string;
  /** existing only: context in it (default its current one). */
  context?: string;
  /** existing only: a mock driver image the cluster can pull (default cosi-chaos/mock-driver:dev). */
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
  const names = new Set([...BUILTIN_VARIANTS.map((v) => v.name), 'custom']);
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
  only('--driver-image', flags.driverImage, ['existing'], backend);
  only('--keep', flags.keep, ['kind'], backend);
  only('--cluster-name', flags.clusterName, ['kind'], backend);
  only('--sidecar-image', flags.sidecarImage?.length ? true : undefined, ['kind', 'existing'], backend);
  if (flags.kubeconfig !== undefined && !existsSync(flags.kubeconfig))
    throw new UsageError(`--kubeconfig ${flags.kubeconfig}: no such file`);
  if (flags.clusterName !== undefined && !KIND_NAME.test(flags.clusterName))
    throw new UsageError(`--cluster-name "${flags.clusterName}" is not a valid kind cluster name`);
  const images = sidecarImages(flags.sidecarImage ?? []);
  if (backend === 'local') return { backend, suite: {} };

  const resolveSidecar: SidecarResolver = async (v) => {
    const image =
      images.get(v.name) ?? (v.name === DEFAULT_IMAGE_VARIANT ? DEFAULT_SIDECAR_IMAGE : undefined);
    if (!image && v.binaryPath)
      throw new UsageError(
        `--sidecar ${v.binaryPath}: a sidecar binary cannot run on the ${backend} backend; ` +
          `give its image with --sidecar-image ${v.name}=IMAGE`,
      );
    if (!image)
      // moduleUnavailable: the runner reports the variant as 'unavailable' with this reason.
      throw Object.assign(
        new Error(
          `no sidecar image of ${v.name} on the ${backend} backend (only ${DEFAULT_IMAGE_VARIANT} has a ` +
            `default, deploy/base's); build or pick one and pass --sidecar-image ${v.name}=IMAGE`,
        ),
        { moduleUnavailable: true },
      );
    const tag = image.includes('@') ? image.slice(image.indexOf('@') + 1) : image.split(':').at(-1);
    return {
      path: image,
      component: {
        name: `sidecar ${v.name}`,
        version: tag && !tag.includes('/') ? tag : 'latest',
        source: `image on the ${backend} backend`,
        path: image,
      },
    };
  };
  const backendFor = (logDir: string, variants: StackVariant[]) =>
    backend === 'kind'
      ? new KindBackend({
          variants,
          workDir: logDir,
          clusterName: flags.clusterName,
          keep: flags.keep ?? false,
          // kind nodes see only loaded images: --sidecar-image images must be in the local Docker (build or pull).
          loadImages: [...new Set(images.values())],
          ...(overrides.rolloutTimeoutSeconds
            ? { rolloutTimeoutSeconds: overrides.rolloutTimeoutSeconds }
            : {}),
          ...(overrides.runner ? { runner: overrides.runner } : {}),
        })
      : new ExistingClusterBackend({
          variants,
          workDir: logDir,
          ...(flags.kubeconfig ? { kubeconfig: resolve(flags.kubeconfig) } : {}),
          ...(flags.context ? { context: flags.context } : {}),
          ...(flags.driverImage ? { driverImage: flags.driverImage } : {}),
          ...(overrides.rolloutTimeoutSeconds
            ? { rolloutTimeoutSeconds: overrides.rolloutTimeoutSeconds }
            : {}),
          ...(overrides.runner ? { runner: overrides.runner } : {}),
        });
  return {
    backend,
    suite: {
      resolveSidecar,
      // One cluster, one controller: a second controller would reconcile the first one's claims too.
      environmentKey: () => backend,
      startEnvironment: async (a) => {
        if (backend === 'kind') await requireKindTools(overrides.runner);
        return ClusterEnvironment.start({
          members: a.members.map((m) => ({
            variant: m.variant,
            ...(images.has(m.variant.name) ? { sidecarImage: images.get(m.variant.name) } : {}),
          })),
          scenarios: a.scenarios,
          logDir: a.logDir,
          progress: a.progress,
          backend: (variants) => backendFor(a.logDir, variants),
          ...(overrides.readyTimeoutMs ? { readyTimeoutMs: overrides.readyTimeoutMs } : {}),
        });
      },
    },
  };
}
