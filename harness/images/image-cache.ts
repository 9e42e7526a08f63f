import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../binaries/cache-dir.ts';
import { withDirLock } from '../binaries/dir-lock.ts';
import { type ImageSpec, writeImageArchive } from './image-archive.ts';

/** Progress callback: a phase and a detail line, as the binary builds report theirs. */
export type ImageProgress = (phase: string, detail: string) => void;

/** An image built here as a docker-save archive in the cache: what a cluster lane loads and deploys. */
export interface BuiltImage {
  ref: string;
  archivePath: string;
  /** sha256 of the image config: what `crictl images` and the kubelet's imageID show. */
  imageId: string;
  /** Seconds spent writing the archive now, including the build of its content; 0 when the cache had it. */
  buildSeconds: number;
  /** Where its content came from (module@version, patch hash, host node). */
  source: string;
  /** Bytes of the archive. */
  sizeBytes: number;
}

/** Where image archives are cached: <cache>/images (see cacheRoot for the overrides). */
export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'images');
}

/** File name stem of a reference: cosi-chaos.local/objectstorage-sidecar:v0.2.2 -> cosi-chaos.local_objectstorage-sidecar_v0.2.2. */
export function archiveStem(ref: string): string {
  return ref.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Writes `spec`'s archive into the image cache unless an archive of the same inputs (every file's content,
 * mode and path, the config) is there already. `startedAt` is when building its content began, so
 * buildSeconds covers a binary built just before.
 */
export async function cachedImageArchive(
  spec: ImageSpec,
  opts: { source: string; progress?: ImageProgress; startedAt?: number; env?: NodeJS.ProcessEnv },
): Promise<BuiltImage> {
  const started = opts.startedAt ?? Date.now();
  const dir = imageCacheDir(opts.env);
  const archivePath = join(dir, `${archiveStem(spec.ref)}.tar`);
  const metaPath = `${archivePath}.json`;
  const key = await inputKey(spec);
  return withDirLock(`${archivePath}.lock`, async () => {
    const meta = await readMeta(metaPath);
    if (meta?.key === key && (await exists(archivePath))) {
      opts.progress?.('image', `${spec.ref}: cached (${meta.imageId})`);
      return { ...meta.image, archivePath, buildSeconds: 0 };
    }
    opts.progress?.('image', `${spec.ref}: writing ${archivePath}`);
    const written = await writeImageArchive(spec, archivePath);
    const image: BuiltImage = {
      ref: spec.ref,
      archivePath,
      imageId: written.imageId,
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
      source: opts.source,
      sizeBytes: written.size,
    };
    await writeFile(metaPath, `${JSON.stringify({ key, imageId: image.imageId, image }, null, 1)}\n`);
    opts.progress?.(
      'image',
      `${spec.ref}: ${image.imageId}, ${mib(image.sizeBytes)} in ${image.buildSeconds} s`,
    );
    return image;
  });
}

/** Digest of everything an archive is made from; equal keys give byte-identical archives. */
export async function inputKey(spec: ImageSpec): Promise<string> {
  const files = await Promise.all(
    spec.files.map(async (f) => ({
      path: f.path,
      mode: f.mode,
      content: f.hostPath !== undefined ? await fileSha256(f.hostPath) : sha256(Buffer.from(f.content ?? '')),
    })),
  );
  const { files: _files, ...rest } = spec;
  return sha256(Buffer.from(JSON.stringify({ format: 1, rest, files })));
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readMeta(
  path: string,
): Promise<{ key: string; imageId: string; image: BuiltImage } | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
