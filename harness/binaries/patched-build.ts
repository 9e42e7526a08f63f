import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { BuildError } from './build-error.ts';
import { cacheRoot } from './cache-dir.ts';
import type { GoBuildRecipe } from './component-catalog.ts';
import { withDirLock } from './dir-lock.ts';
import { type BuildProgress, type BuildResult, buildFromGoModules } from './go-module-builder.ts';
import { goModDownload } from './go-module-download.ts';

/**
 * A patch did not apply to the upstream source, or the patched source did not compile; `output` is patch's or
 * the go compiler's own message. Bad input: exit 2, before anything is started.
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  constructor(
    readonly patchFile: string,
    readonly base: string,
    readonly output: string,
    readonly stage: 'apply' | 'build' = 'apply',
  ) {
    super(
      `${stage === 'apply' ? `patch ${patchFile} does not apply to ${base}` : `${base} with ${patchFile} does not build`}:\n` +
        output.trim().split('\n').slice(-15).join('\n'),
    );
  }
}

/** Cache key of a patched build: the patch's content and the exact base it applies to. */
export async function patchKey(base: GoBuildRecipe, patchFile: string): Promise<string> {
  const text = await readFile(patchFile);
  return createHash('sha256').update(base.origin).update('\0').update(text).digest('hex').slice(0, 12);
}

/**
 * Builds upstream source plus a patch: the module is copied out of the Go module cache, the patch applied
 * with `patch -p1`, and the copy built through a generated main module that replaces the module with it.
 * Cached by the patch's hash, so an unchanged patch is built once.
 */
export async function buildPatched(
  base: GoBuildRecipe,
  patchFile: string,
  progress?: BuildProgress,
): Promise<BuildResult> {
  const key = await patchKey(base, patchFile);
  const srcDir = join(cacheRoot(), 'build', `${base.name}-${base.version}-${key}-src`);
  return withDirLock(`${srcDir}.lock`, async () => {
    await rm(srcDir, { recursive: true, force: true });
    await mkdir(srcDir, { recursive: true });
    progress?.(
      'prepare',
      `${base.name}: copying ${base.module}@${base.moduleVersion} and applying ${patchFile}`,
    );
    await cp((await goModDownload(base.module, base.moduleVersion)).dir, srcDir, { recursive: true });
    // The module cache is read-only; the copy must be writable for patch to create and change files.
    await execa('chmod', ['-R', 'u+w', srcDir]);
    const applied = await execa('patch', ['-p1', '--batch', '--forward', '-d', srcDir, '-i', patchFile], {
      reject: false,
      all: true,
    });
    if (applied.exitCode !== 0) throw new PatchError(patchFile, base.origin, String(applied.all));
    try {
      return await buildFromGoModules(base, { localModuleDir: srcDir, cacheKey: key, progress });
    } catch (err) {
      if (err instanceof BuildError && !err.moduleUnavailable)
        throw new PatchError(patchFile, base.origin, err.output, 'build');
      throw err;
    }
  });
}
