// Builds every image harness/images makes (the mock driver, the pause image, the sidecar and controller of each
// release and patched variant) as docker-save archives in the cache, without Docker or a registry, and prints
// a Markdown table of them. Usage: node --import tsx scripts/build-images.ts [VARIANT ...]

import {
  type BuiltImage,
  buildControllerImage,
  buildMockDriverImage,
  buildPauseImage,
  buildSidecarImage,
} from '../harness/images/index.ts';
import { BUILTIN_VARIANTS, builtinMatrixVariants } from '../harness/index.ts';

const all = [...BUILTIN_VARIANTS, ...builtinMatrixVariants().filter((v) => v.patchFile)];
const wanted = process.argv.slice(2);
const variants = wanted.length ? all.filter((v) => wanted.includes(v.name)) : all;
const unknown = wanted.filter((w) => !all.some((v) => v.name === w));
if (unknown.length) {
  process.stderr.write(
    `unknown variant ${unknown.join(', ')}; known: ${all.map((v) => v.name).join(', ')}\n`,
  );
  process.exit(2);
}
const progress = (phase: string, detail: string) => process.stderr.write(`${phase}: ${detail}\n`);
const built: { role: string; image: BuiltImage }[] = [
  { role: 'mock driver', image: await buildMockDriverImage({ progress }) },
  { role: 'pause', image: await buildPauseImage({ progress }) },
];
const controllers = new Set<string>();
for (const v of variants) {
  built.push({ role: `sidecar ${v.name}`, image: await buildSidecarImage(v, progress) });
  if (controllers.has(v.controller.origin)) continue;
  controllers.add(v.controller.origin);
  built.push({ role: `controller of ${v.name}`, image: await buildControllerImage(v, progress) });
}
console.log('| Image | Ref | Image ID | MiB | Built in | Archive |');
console.log('|---|---|---|---|---|---|');
for (const { role, image } of built) {
  const took = image.buildSeconds > 0 ? `${image.buildSeconds.toFixed(1)} s` : 'cached';
  const mib = (image.sizeBytes / 1024 / 1024).toFixed(1);
  console.log(
    `| ${role} | ${image.ref} | ${image.imageId.slice(0, 19)} | ${mib} | ${took} | ${image.archivePath} |`,
  );
}
