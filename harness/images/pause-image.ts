import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { KUBE_APISERVER } from '../binaries/component-catalog.ts';
import { goModDownload } from '../binaries/go-module-download.ts';
import { ImageBuildError } from './image-build-error.ts';
import { type BuiltImage, cachedImageArchive, type ImageProgress, imageCacheDir } from './image-cache.ts';

/** Where the pause container's source comes from: k8s.io/kubernetes at the pinned kube-apiserver's version. */
export const PAUSE_SOURCE = {
  module: KUBE_APISERVER.module,
  version: KUBE_APISERVER.moduleVersion,
  file: 'build/pause/linux/pause.c',
} as const;

/** containerd's default sandbox_image name; a consumer with its own sandbox_image passes that instead. */
export const DEFAULT_PAUSE_REF = 'registry.k8s.io/pause:3.10';

/** What to install when gcc or the static C library is missing (Debian/Ubuntu names). */
export const GCC_HINT = 'install gcc and the static C library: apt-get install gcc libc6-dev';

/** The pause binary built here: its path, and the pause version its Makefile tags (pause.c -v prints it). */
export interface PauseBinary {
  path: string;
  pauseVersion: string;
  /** Seconds gcc took now; 0 when cached. */
  seconds: number;
}

/**
 * `gcc -O2 -Wall -Werror -static` of build/pause/linux/pause.c from the Go module cache (downloaded through the
 * user's Go proxy settings, untouched), cached as <cache>/images/bin/pause-<k8s version>.
 */
export async function buildPauseBinary(
  opts: { progress?: ImageProgress; env?: NodeJS.ProcessEnv } = {},
): Promise<PauseBinary> {
  const env = opts.env ?? process.env;
  const mod = await goModDownload(PAUSE_SOURCE.module, PAUSE_SOURCE.version, env);
  const source = join(mod.dir, PAUSE_SOURCE.file);
  const pauseVersion = await makefileTag(join(mod.dir, 'build/pause/Makefile'));
  const out = join(imageCacheDir(env), 'bin', `pause-${PAUSE_SOURCE.version}`);
  if (await exists(out)) return { path: out, pauseVersion, seconds: 0 };
  const started = Date.now();
  await mkdir(join(imageCacheDir(env), 'bin'), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  opts.progress?.(
    'build',
    `pause: gcc -static ${PAUSE_SOURCE.module}@${PAUSE_SOURCE.version} ${PAUSE_SOURCE.file}`,
  );
  const args = ['-O2', '-Wall', '-Werror', '-static', `-DVERSION=v${pauseVersion}`, '-o', tmp, source];
  const res = await execa('gcc', args, { reject: false, all: true, env, extendEnv: false });
  if (res.exitCode !== 0 || res.failed) {
    await rm(tmp, { force: true });
    const output = String(res.all || res.message);
    throw new ImageBuildError('pause', `gcc -static ${source}`, output, GCC_HINT, { cause: res });
  }
  await rename(tmp, out);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  opts.progress?.('built', `pause ${pauseVersion} in ${seconds} s`);
  return { path: out, pauseVersion, seconds };
}

/**
 * The sandbox image: /pause FROM scratch, user 65535 and entrypoint /pause as upstream's Dockerfile has them,
 * tagged `ref` (containerd's sandbox_image; default DEFAULT_PAUSE_REF), as a cached docker-save archive.
 */
export async function buildPauseImage(
  opts: { ref?: string; progress?: ImageProgress; env?: NodeJS.ProcessEnv } = {},
): Promise<BuiltImage> {
  const started = Date.now();
  const bin = await buildPauseBinary(opts);
  const origin = `${PAUSE_SOURCE.module}@${PAUSE_SOURCE.version}`;
  return cachedImageArchive(
    {
      ref: opts.ref ?? DEFAULT_PAUSE_REF,
      files: [{ path: '/pause', hostPath: bin.path, mode: 0o755 }],
      user: '65535:65535',
      entrypoint: ['/pause'],
      labels: {
        'org.opencontainers.image.source': `${origin} ${PAUSE_SOURCE.file}`,
        'org.opencontainers.image.version': bin.pauseVersion,
      },
    },
    {
      source: `gcc -static of ${origin} ${PAUSE_SOURCE.file}`,
      progress: opts.progress,
      startedAt: started,
      env: opts.env,
    },
  );
}

async function makefileTag(makefile: string): Promise<string> {
  const text = await readFile(makefile, 'utf8').catch(() => '');
  return /^TAG \?= (\S+)/m.exec(text)?.[1] ?? 'HEAD';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
