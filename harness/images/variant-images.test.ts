import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { isExecutable, resolveBinary } from '../binaries/binary-resolver.ts';
import { cachedBinaryPath } from '../binaries/cache-dir.ts';
import type { GoBuildRecipe } from '../binaries/component-catalog.ts';
import { patchKey } from '../binaries/patched-build.ts';
import { builtinMatrixVariants } from '../matrix/matrix-variants.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from '../variants/sidecar-variants.ts';
import { readImageArchive } from './image-archive-reader.ts';
import { buildVariantImages, variantImageRefs } from './variant-images.ts';

// These tests use the binaries the binary cache already has and start no Go build (a cold build takes minutes
// per binary and is the provisioning tests' subject); a variant whose binaries are not cached is skipped, saying so.
const cached = (r: GoBuildRecipe) => resolveBinary({ name: r.name, version: r.version }).source === 'cache';
const release = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha1-v0.2.2') as SidecarVariant;
const patched = builtinMatrixVariants().find((v) => v.name === 'seed-patch') as SidecarVariant;
const patchedCached =
  patched.recipe !== undefined &&
  isExecutable(
    cachedBinaryPath(
      patched.recipe.name,
      `${patched.recipe.version}-${await patchKey(patched.recipe, patched.patchFile ?? '')}`,
    ),
  ) &&
  cached(patched.controller);
const canChroot =
  process.getuid?.() === 0 && (await execa('chroot', ['--version'], { reject: false })).exitCode === 0;

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

// Unpacks an image's layer and runs its entrypoint with `args` inside it, as a runtime would (chroot, no /bin).
async function runEntrypoint(archive: string, args: string[]) {
  const read = await readImageArchive(archive);
  const config = [...read.configs.values()][0]?.json as { config: { Entrypoint: string[] } };
  const root = await mkdtemp(join(tmpdir(), 'image-rootfs-'));
  dirs.push(root);
  await execa('tar', ['-xf', archive, '-C', root]);
  const rootfs = join(root, 'rootfs');
  await mkdir(rootfs);
  await execa('tar', ['-xf', join(root, read.manifest[0]?.Layers[0] ?? ''), '-C', rootfs]);
  return execa('chroot', [rootfs, ...config.config.Entrypoint, ...args], { reject: false, all: true });
}

async function checkVariant(v: SidecarVariant, expected: { sidecarVersion: RegExp; patch?: RegExp }) {
  const lines: string[] = [];
  const built = await buildVariantImages(v, (p, d) => lines.push(`${p}: ${d}`));
  const refs = variantImageRefs(v);
  expect(built.sidecar.ref).toBe(refs.sidecar);
  expect(built.controller.ref).toBe(refs.controller);
  expect(lines).toContain(`build: sidecar ${v.name}`);
  for (const [role, image, recipe] of [
    ['sidecar', built.sidecar, v.recipe as GoBuildRecipe],
    ['controller', built.controller, v.controller],
  ] as const) {
    const read = await readImageArchive(image.archivePath);
    expect(read.manifest[0]?.RepoTags, role).toEqual([image.ref]);
    const config = [...read.configs.values()][0];
    expect(config?.digest).toBe(image.imageId);
    const json = config?.json as { config: { Entrypoint: string[]; Labels: Record<string, string> } };
    expect(json.config.Entrypoint).toEqual([`/${recipe.name}`]);
    expect(json.config.Labels['org.opencontainers.image.source']).toBe(
      `${recipe.module}@${recipe.moduleVersion}`,
    );
    const layer = [...read.layers.values()][0];
    expect(layer?.entries.map((e) => [e.name, e.mode.toString(8)])).toEqual([
      [recipe.name, '755'],
      ['tmp/', '1777'],
    ]);
  }
  const sidecarConfig = [...(await readImageArchive(built.sidecar.archivePath)).configs.values()][0];
  const sidecarLabels =
    (sidecarConfig?.json as { config: { Labels: Record<string, string> } } | undefined)?.config.Labels ?? {};
  expect(sidecarLabels['org.opencontainers.image.version']).toMatch(expected.sidecarVersion);
  if (expected.patch) expect(sidecarLabels['io.cosi-chaos.patch']).toMatch(expected.patch);
  else expect(sidecarLabels['io.cosi-chaos.patch']).toBeUndefined();
  // The same binaries again: the archives are the cache's, not rewritten.
  const again = await buildVariantImages(v);
  expect(again.sidecar).toMatchObject({ imageId: built.sidecar.imageId, buildSeconds: 0 });
  expect(again.controller).toMatchObject({ imageId: built.controller.imageId, buildSeconds: 0 });
  return built;
}

describe('buildVariantImages', () => {
  it.skipIf(!cached(release.recipe as GoBuildRecipe) || !cached(release.controller))(
    'v1alpha1-v0.2.2 (binaries cached): sidecar and controller FROM scratch, entrypoint the binary, labelled with module@version',
    async () => {
      const built = await checkVariant(release, { sidecarVersion: /^v0\.2\.2$/ });
      expect(built.sidecar.ref).toBe('cosi-chaos.local/objectstorage-sidecar:v1alpha1-v0.2.2');
      expect(built.controller.ref).toBe('cosi-chaos.local/objectstorage-controller:v0.2.2');
      if (!canChroot) return; // not root or no chroot: the archive was read back, its binary not run
      for (const image of [built.sidecar, built.controller]) {
        const res = await runEntrypoint(image.archivePath, ['--help']);
        // A static Go binary runs in an image with nothing else: it prints its flags (no 'not found', no 127).
        expect(res.exitCode, res.all).not.toBe(127);
        expect(res.all).toMatch(/-kubeconfig|--kubeconfig|Usage/);
      }
    },
    600_000,
  );

  it.skipIf(!patchedCached)(
    'seed-patch (patched binary cached): the sidecar image records the patch and its hash; the controller is its base release',
    async () => {
      const built = await checkVariant(patched, {
        sidecarVersion: /^v0\.1\.1-0\.20241126223257-6a5a12cb56ed\+patch\.[0-9a-f]{12}$/,
        patch: /^seed-patch\.patch sha256:[0-9a-f]{12}$/,
      });
      expect(built.sidecar.source).toMatch(/\+ seed-patch\.patch \([0-9a-f]{12}\)$/);
      expect(built.controller.ref).toBe(
        'cosi-chaos.local/objectstorage-controller:v0.1.2-alpha1.0.20241126223257-2c87d5a5e688',
      );
    },
    600_000,
  );

  it('refuses a variant that only has a user binary, saying what to build instead', async () => {
    const user: SidecarVariant = { ...release, name: 'mine', recipe: undefined, binaryPath: '/usr/bin/true' };
    await expect(buildVariantImages(user)).rejects.toThrow(
      /pinned sources: choose a release or a patched variant/,
    );
  });
});
