import { basename } from 'node:path';
import { isExecutable } from '../binaries/binary-resolver.ts';
import { cachedBinaryPath } from '../binaries/cache-dir.ts';
import type { GoBuildRecipe } from '../binaries/component-catalog.ts';
import { buildPatched, patchKey } from '../binaries/patched-build.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import { ImageBuildError } from './image-build-error.ts';
import { type BuiltImage, cachedImageArchive, type ImageProgress } from './image-cache.ts';

/** Registry host of every image built here: a name no registry answers to, so nothing pretends to be pulled. */
export const IMAGE_HOST = 'cosi-chaos.local';

/** A tag made of any text: characters a tag cannot hold become '-', at most 128 characters. */
export function imageTag(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 128);
}

/**
 * References of a variant's images: cosi-chaos.local/objectstorage-sidecar:<variant name> and
 * cosi-chaos.local/objectstorage-controller:<controller version>; the labels say the module, version and patch.
 */
export function variantImageRefs(v: SidecarVariant): { sidecar: string; controller: string } {
  return {
    sidecar: `${IMAGE_HOST}/objectstorage-sidecar:${imageTag(v.name)}`,
    controller: `${IMAGE_HOST}/objectstorage-controller:${imageTag(v.controller.version)}`,
  };
}

/**
 * The variant's sidecar FROM scratch: its static binary as /<binary name> (the entrypoint) and /tmp. The
 * binary is found in or built into the binary cache as a run would (patched variants: upstream + patch); the
 * archive is rebuilt only when the binary changed. A variant with only a user binary is refused.
 */
export async function buildSidecarImage(v: SidecarVariant, progress?: ImageProgress): Promise<BuiltImage> {
  const started = Date.now();
  const ref = variantImageRefs(v).sidecar;
  if (!v.recipe)
    throw new ImageBuildError(
      ref,
      'sidecar binary',
      `variant ${v.name} has no build recipe (a user binary: ${v.binaryPath ?? 'none'})`,
      'images are built from the pinned sources: choose a release or a patched variant',
    );
  progress?.('build', `sidecar ${v.name}`);
  const goProgress = quiet(progress);
  let path: string;
  let source: string;
  let version = v.recipe.version;
  const labels: Record<string, string> = {};
  if (v.patchFile) {
    const key = await patchKey(v.recipe, v.patchFile);
    // A patched binary already in the cache is used as it is: buildPatched would copy and patch the source again.
    const cached = cachedBinaryPath(v.recipe.name, `${v.recipe.version}-${key}`);
    path = isExecutable(cached) ? cached : (await buildPatched(v.recipe, v.patchFile, goProgress)).path;
    source = `${v.recipe.origin} + ${basename(v.patchFile)} (${key})`;
    version = `${v.recipe.version}+patch.${key}`;
    labels['io.cosi-chaos.patch'] = `${basename(v.patchFile)} sha256:${key}`;
  } else {
    path = (await provisionBinary(v.recipe, { progress: goProgress })).path;
    source = v.recipe.origin;
  }
  return binaryImage(ref, v.recipe, path, { source, version, labels, variant: v.name, started, progress });
}

/** The controller of the variant's release FROM scratch (entrypoint the binary, /tmp), built once and cached. */
export async function buildControllerImage(v: SidecarVariant, progress?: ImageProgress): Promise<BuiltImage> {
  const started = Date.now();
  progress?.('build', `controller ${v.controller.origin}`);
  const bin = await provisionBinary(v.controller, { progress: quiet(progress) });
  return binaryImage(variantImageRefs(v).controller, v.controller, bin.path, {
    source: v.controller.origin,
    version: v.controller.version,
    labels: {},
    started,
    progress,
  });
}

/** Both images of a variant: its sidecar and its release's controller (see buildSidecarImage). */
export async function buildVariantImages(
  v: SidecarVariant,
  progress?: ImageProgress,
): Promise<{ sidecar: BuiltImage; controller: BuiltImage }> {
  const sidecar = await buildSidecarImage(v, progress);
  const controller = await buildControllerImage(v, progress);
  return { sidecar, controller };
}

function binaryImage(
  ref: string,
  recipe: GoBuildRecipe,
  binaryPath: string,
  o: {
    source: string;
    version: string;
    labels: Record<string, string>;
    variant?: string;
    started: number;
    progress?: ImageProgress;
  },
): Promise<BuiltImage> {
  const entry = `/${recipe.name}`;
  return cachedImageArchive(
    {
      ref,
      files: [{ path: entry, hostPath: binaryPath, mode: 0o755 }],
      directories: [{ path: '/tmp', mode: 0o1777 }],
      entrypoint: [entry],
      labels: {
        'org.opencontainers.image.title': recipe.name,
        'org.opencontainers.image.source': `${recipe.module}@${recipe.moduleVersion}`,
        'org.opencontainers.image.version': o.version,
        'org.opencontainers.image.description': `${o.source}, built from source by cosi-chaos (CGO_ENABLED=0)`,
        ...(o.variant ? { 'io.cosi-chaos.variant': o.variant } : {}),
        ...o.labels,
      },
    },
    { source: o.source, progress: o.progress, startedAt: o.started },
  );
}

// go's own per-module lines are left out, as the run's provisioning does: the phases and heartbeat say enough.
function quiet(progress?: ImageProgress): ImageProgress {
  return (phase, detail) => {
    if (phase !== 'go') progress?.(phase, detail);
  };
}
