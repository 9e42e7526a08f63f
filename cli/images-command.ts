import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  BUILTIN_VARIANTS,
  type BuiltImage,
  buildControllerImage,
  buildMockDriverImage,
  buildSidecarImage,
  builtinMatrixVariants,
  type SidecarVariant,
} from '../harness/index.ts';
import { UsageError } from './exit-codes.ts';
import { variantsFromFlag } from './run-command.ts';

export interface ImagesFlags {
  /** v1alpha1, v1alpha2 or a variant name (releases and the matrix's patched variants); default all. */
  sidecar?: string;
  /** Copy the archives here (default: print where they are in the cache). */
  out?: string;
}

/** Every variant an image can be built for: the six releases and the matrix's patched builds. */
function imageVariants(flag: string | undefined): SidecarVariant[] {
  const patched = builtinMatrixVariants().filter((v) => v.patchFile);
  if (!flag) return [...BUILTIN_VARIANTS, ...patched];
  const named = patched.filter((v) => v.name === flag);
  if (named.length) return named;
  const chosen = variantsFromFlag(flag, undefined);
  if (chosen.some((v) => v.binaryPath))
    throw new UsageError(`--sidecar ${flag}: images are built from the pinned sources, not from a binary`);
  return chosen;
}

/**
 * `cosi-chaos images`: the sidecar and controller of each selected variant and the mock driver as docker-save
 * archives (FROM scratch, no registry). Exit 0 when all were built.
 */
export async function imagesCommand(flags: ImagesFlags, log: (line: string) => void): Promise<number> {
  const variants = imageVariants(flags.sidecar);
  const progress = (p: string, d: string) => {
    if (p !== 'go') process.stderr.write(`${new Date().toISOString()} ${p}: ${d}\n`);
  };
  const built: { role: string; image: BuiltImage }[] = [];
  built.push({ role: 'mock driver', image: await buildMockDriverImage(progress) });
  const controllers = new Set<string>();
  for (const v of variants) {
    built.push({ role: `sidecar ${v.name}`, image: await buildSidecarImage(v, progress) });
    if (controllers.has(v.controller.origin)) continue;
    controllers.add(v.controller.origin);
    built.push({ role: `controller of ${v.name}`, image: await buildControllerImage(v, progress) });
  }
  const out = flags.out ? resolve(flags.out) : undefined;
  if (out) await mkdir(out, { recursive: true });
  log('| Image | Ref | Image ID | Archive | Built in |');
  log('|---|---|---|---|---|');
  for (const { role, image } of built) {
    let archive = image.archivePath;
    if (out) {
      archive = join(out, basename(image.archivePath));
      await copyFile(image.archivePath, archive);
    }
    const took = image.buildSeconds > 0 ? `${image.buildSeconds.toFixed(1)} s` : 'cached';
    log(`| ${role} | ${image.ref} | ${image.imageId} | ${archive} | ${took} |`);
  }
  log(
    '\nload them: kind load image-archive FILE | ctr -n k8s.io images import FILE | docker load -i FILE (then push)',
  );
  return 0;
}
