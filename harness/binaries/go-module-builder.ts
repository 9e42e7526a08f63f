import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { BuildError } from './build-error.ts';
import { cachedBinaryPath, cacheRoot } from './cache-dir.ts';
import type { GoBuildRecipe } from './component-catalog.ts';
import { withDirLock } from './dir-lock.ts';
import { GO_MOD_FLAG, goEnv, goModDownload } from './go-module-download.ts';

/** Progress callback: a phase name and a detail line, e.g. ('download', 'k8s.io/kubernetes@v1.33.13'). */
export type BuildProgress = (phase: string, detail: string) => void;

export interface BuildResult {
  path: string;
  /** Seconds the build took; 0 when another process built it while we waited for the lock. */
  seconds: number;
}

export interface BuildOptions {
  /** Directory holding extra source: when set, the recipe's module is replaced by this local copy (patches). */
  localModuleDir?: string;
  /** Cache key suffix for patched builds (e.g. the patch's hash). */
  cacheKey?: string;
  progress?: BuildProgress;
  env?: NodeJS.ProcessEnv;
}

async function kubernetesStagingReplaces(recipe: GoBuildRecipe, env: NodeJS.ProcessEnv): Promise<string[]> {
  // k8s.io/kubernetes's go.mod replaces every staging module with ./staging/...; a main module that requires
  // it must pin each of them to the matching published v0.x release instead.
  const gomod = await readFile((await goModDownload(recipe.module, recipe.moduleVersion, env)).goMod, 'utf8');
  const block = /^replace \(([\s\S]*?)^\)/m.exec(gomod)?.[1] ?? '';
  const mods = [...block.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging/gm)].map((m) => m[1] as string);
  return mods.map((m) => `\t${m} => ${m} ${recipe.kubernetesStagingVersion}`);
}

/** The go.mod of the generated main module that builds `recipe`. */
export async function generatedGoMod(recipe: GoBuildRecipe, opts: BuildOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const lines = ['module cosichaos.local/build', '', 'go 1.24', '', 'require ('];
  lines.push(`\t${recipe.module} ${opts.localModuleDir ? 'v0.0.0-local' : recipe.moduleVersion}`);
  for (const [m, v] of Object.entries(recipe.requires ?? {})) lines.push(`\t${m} ${v}`);
  lines.push(')');
  const replaces: string[] = [];
  if (opts.localModuleDir) replaces.push(`\t${recipe.module} => ${opts.localModuleDir}`);
  for (const [from, to] of Object.entries(recipe.replaces ?? {}))
    replaces.push(`\t${from.replace('@', ' ')} => ${to}`);
  if (recipe.kubernetesStagingVersion) replaces.push(...(await kubernetesStagingReplaces(recipe, env)));
  if (replaces.length) lines.push('', 'replace (', ...replaces, ')');
  return `${lines.join('\n')}\n`;
}

/**
 * Builds `recipe` into the cache once (<cache>/bin/<name>-<version>[-<key>]), under a lock so parallel runs
 * wait for one build. Throws BuildError with the go command's own output when it fails.
 */
export async function buildFromGoModules(
  recipe: GoBuildRecipe,
  opts: BuildOptions = {},
): Promise<BuildResult> {
  const env = opts.env ?? process.env;
  const version = opts.cacheKey ? `${recipe.version}-${opts.cacheKey}` : recipe.version;
  const out = cachedBinaryPath(recipe.name, version, env);
  const workDir = join(cacheRoot(env), 'build', `${recipe.name}-${version}`);
  await mkdir(dirname(out), { recursive: true });
  return withDirLock(`${workDir}.lock`, async () => {
    try {
      await access(out);
      return { path: out, seconds: 0 };
    } catch {
      // not built yet
    }
    const started = Date.now();
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    opts.progress?.('prepare', `${recipe.name} ${version}: generating main module`);
    await writeFile(join(workDir, 'go.mod'), await generatedGoMod(recipe, opts));
    opts.progress?.('build', `${recipe.name} ${version}: go build ${recipe.pkg}`);
    const tmpOut = `${out}.tmp-${process.pid}`;
    const ldflags = recipe.ldflags?.length
      ? ['-ldflags', recipe.ldflags.map((f) => `-X ${f}`).join(' ')]
      : [];
    const proc = execa('go', ['build', GO_MOD_FLAG, '-trimpath', ...ldflags, '-o', tmpOut, recipe.pkg], {
      cwd: workDir,
      env: goEnv(env),
      extendEnv: false,
      all: true,
      reject: false,
    });
    proc.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) opts.progress?.('go', line.trim());
    });
    // go prints nothing while compiling: a heartbeat says the build is alive and how long it has taken.
    const heartbeat = setInterval(() => {
      opts.progress?.(
        'build',
        `${recipe.name} ${version}: compiling, ${Math.round((Date.now() - started) / 1000)} s`,
      );
    }, 10_000);
    const res = await proc.finally(() => clearInterval(heartbeat));
    if (res.exitCode !== 0) {
      await rm(tmpOut, { force: true });
      throw new BuildError(recipe.name, version, recipe.origin, workDir, String(res.all ?? ''));
    }
    await rename(tmpOut, out);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    opts.progress?.('built', `${recipe.name} ${version} in ${seconds} s`);
    return { path: out, seconds };
  });
}
