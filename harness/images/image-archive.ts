import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { finished } from 'node:stream/promises';
import * as tarStream from 'tar-stream';

/** A file of an image: copied from `hostPath` (or given as `content`) to the absolute `path` in the image. */
export interface ImageFile {
  path: string;
  hostPath?: string;
  content?: string | Buffer;
  /** Permission bits; default 0o755 for host files (binaries), 0o644 for `content`. */
  mode?: number;
  /** Owner; default 0:0. */
  uid?: number;
  gid?: number;
}

/** A directory of an image (parents of files are added by themselves, 0o755). */
export interface ImageDirectory {
  path: string;
  /** Default 0o755; /tmp is usually 0o1777. */
  mode?: number;
  /** Owner; default 0:0 (a directory a non-root user writes to: its uid and gid). */
  uid?: number;
  gid?: number;
}

/** The run-time part of an image config (what `docker inspect` shows under Config). */
export interface ImageRuntimeConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** KEY=value lines; default PATH=/ (a scratch image has no /bin). */
  env?: string[];
  /** uid[:gid] or a name; default unset (root). */
  user?: string;
  workingDir?: string;
  /** e.g. '8080/tcp'. */
  exposedPorts?: string[];
  labels?: Record<string, string>;
}

/** A FROM-scratch image: its reference, its files (one layer) and its config. */
export interface ImageSpec extends ImageRuntimeConfig {
  /** Fully qualified name:tag; ctr stores unqualified names under docker.io/library. */
  ref: string;
  files: ImageFile[];
  directories?: ImageDirectory[];
  /** GOARCH-style name; default the host's (amd64 on x64, arm64 on arm64). */
  architecture?: string;
}

/** What `writeImageArchive` wrote: the reference and the digests a container runtime will show. */
export interface ImageArchive {
  ref: string;
  archivePath: string;
  /** sha256:<hex> of the config JSON: the image ID of `docker images` and `crictl images`. */
  imageId: string;
  /** sha256:<hex> of each uncompressed layer tar, as the config's rootfs lists them. */
  diffIds: string[];
  /** Bytes of the archive. */
  size: number;
}

// Every entry gets the same owner and time, so the same inputs give the same layer and the same image ID.
const EPOCH = new Date(0);
const CREATED = EPOCH.toISOString().replace('.000Z', 'Z');

/** GOARCH name of the host, which is what the binaries built here run on. */
export function hostArchitecture(): string {
  const arch: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  return arch[process.arch] ?? process.arch;
}

/**
 * Writes a docker-save archive (manifest.json, <id>.json config, <diffid>/layer.tar) of a FROM-scratch image
 * with one layer, atomically at `archivePath`. Entries are sorted, owned by 0:0 and dated 1970, so equal inputs
 * give byte-identical archives. `ctr images import`, `docker load` and `kind load image-archive` read it.
 */
export async function writeImageArchive(spec: ImageSpec, archivePath: string): Promise<ImageArchive> {
  await mkdir(dirname(archivePath), { recursive: true });
  const layerPath = `${archivePath}.layer-${process.pid}`;
  const tmpPath = `${archivePath}.tmp-${process.pid}`;
  try {
    const diffId = `sha256:${await writeLayer(spec, layerPath)}`;
    const config = Buffer.from(JSON.stringify(imageConfig(spec, [diffId])));
    const configHex = sha256(config);
    const layerName = `${diffId.slice('sha256:'.length)}/layer.tar`;
    const manifest = [{ Config: `${configHex}.json`, RepoTags: [spec.ref], Layers: [layerName] }];
    const out = tarStream.pack();
    const written = drain(out, tmpPath);
    await addBuffer(out, `${configHex}.json`, config, 0o644);
    await addDirectory(out, `${dirname(layerName)}/`, 0o755);
    await addHostFile(out, layerName, layerPath, 0o644);
    await addBuffer(out, 'manifest.json', Buffer.from(JSON.stringify(manifest)), 0o644);
    out.finalize();
    await written;
    await rename(tmpPath, archivePath);
    return {
      ref: spec.ref,
      archivePath,
      imageId: `sha256:${configHex}`,
      diffIds: [diffId],
      size: (await stat(archivePath)).size,
    };
  } finally {
    await rm(layerPath, { force: true });
    await rm(tmpPath, { force: true });
  }
}

/** The image config JSON (OCI image config / docker v1 image JSON); key order is fixed for a stable digest. */
export function imageConfig(spec: ImageSpec, diffIds: string[]): Record<string, unknown> {
  const config: Record<string, unknown> = { Env: spec.env ?? ['PATH=/'] };
  if (spec.entrypoint) config.Entrypoint = spec.entrypoint;
  if (spec.cmd) config.Cmd = spec.cmd;
  if (spec.user) config.User = spec.user;
  if (spec.workingDir) config.WorkingDir = spec.workingDir;
  if (spec.exposedPorts?.length)
    config.ExposedPorts = Object.fromEntries([...spec.exposedPorts].sort().map((p) => [p, {}]));
  if (spec.labels && Object.keys(spec.labels).length)
    config.Labels = Object.fromEntries(Object.entries(spec.labels).sort(([a], [b]) => a.localeCompare(b)));
  return {
    architecture: spec.architecture ?? hostArchitecture(),
    os: 'linux',
    created: CREATED,
    config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [{ created: CREATED, created_by: 'cosi-chaos harness/images (FROM scratch)' }],
  };
}

type Owner = { uid: number; gid: number };
type LayerEntry =
  | ({ kind: 'dir'; name: string; mode: number } & Owner)
  | ({ kind: 'file'; name: string; mode: number; file: ImageFile } & Owner);

/** The layer's entries: every file and directory with its parents, sorted by path, last definition winning. */
export function layerEntries(spec: Pick<ImageSpec, 'files' | 'directories'>): LayerEntry[] {
  const entries = new Map<string, LayerEntry>();
  const addParents = (path: string) => {
    for (let d = posix.dirname(path); d !== '/' && d !== '.'; d = posix.dirname(d)) {
      const name = `${inImage(d)}/`;
      if (!entries.has(name)) entries.set(name, { kind: 'dir', name, mode: 0o755, uid: 0, gid: 0 });
    }
  };
  for (const d of spec.directories ?? []) {
    addParents(d.path);
    const name = `${inImage(d.path)}/`;
    entries.set(name, { kind: 'dir', name, mode: d.mode ?? 0o755, uid: d.uid ?? 0, gid: d.gid ?? 0 });
  }
  for (const f of spec.files) {
    if ((f.hostPath === undefined) === (f.content === undefined))
      throw new TypeError(`image file ${f.path}: give exactly one of hostPath and content`);
    addParents(f.path);
    const name = inImage(f.path);
    entries.set(name, {
      kind: 'file',
      name,
      mode: f.mode ?? (f.content === undefined ? 0o755 : 0o644),
      file: f,
      uid: f.uid ?? 0,
      gid: f.gid ?? 0,
    });
  }
  // Byte order, not locale order: the same on every machine.
  return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function inImage(path: string): string {
  if (!path.startsWith('/')) throw new TypeError(`image path ${path} must be absolute`);
  const norm = posix.normalize(path).replace(/\/+$/, '');
  if (norm === '' || norm.split('/').includes('..'))
    throw new TypeError(`image path ${path} is not a file path`);
  return norm.slice(1);
}

// Writes the layer tar and returns its sha256 (the diff ID) as hashed on the way to disk.
async function writeLayer(spec: ImageSpec, layerPath: string): Promise<string> {
  const pack = tarStream.pack();
  const hash = createHash('sha256');
  const written = drain(pack, layerPath, hash);
  for (const e of layerEntries(spec)) {
    if (e.kind === 'dir') await addDirectory(pack, e.name, e.mode, e);
    else if (e.file.hostPath !== undefined) await addHostFile(pack, e.name, e.file.hostPath, e.mode, e);
    else await addBuffer(pack, e.name, Buffer.from(e.file.content ?? ''), e.mode, e);
  }
  pack.finalize();
  await written;
  return hash.digest('hex');
}

async function drain(
  pack: tarStream.Pack,
  path: string,
  hash?: ReturnType<typeof createHash>,
): Promise<void> {
  const ws = createWriteStream(path);
  for await (const chunk of pack as AsyncIterable<Buffer>) {
    hash?.update(chunk);
    if (!ws.write(chunk)) await once(ws, 'drain');
  }
  ws.end();
  await finished(ws);
}

const ROOT: Owner = { uid: 0, gid: 0 };

const header = (name: string, mode: number, owner: Owner) => ({
  name,
  mode,
  mtime: EPOCH,
  uid: owner.uid,
  gid: owner.gid,
  uname: '',
  gname: '',
});

function addDirectory(pack: tarStream.Pack, name: string, mode: number, owner = ROOT): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...header(name, mode, owner), type: 'directory' }, (err) => (err ? reject(err) : resolve()));
  });
}

function addBuffer(
  pack: tarStream.Pack,
  name: string,
  data: Buffer,
  mode: number,
  owner = ROOT,
): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...header(name, mode, owner), type: 'file' }, data, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

async function addHostFile(
  pack: tarStream.Pack,
  name: string,
  hostPath: string,
  mode: number,
  owner = ROOT,
): Promise<void> {
  // stat follows symlinks: a shared library listed through its soname link is stored as the file itself.
  const { size } = await stat(hostPath);
  let settle: (err?: Error | null) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const entry = pack.entry({ ...header(name, mode, owner), type: 'file', size }, (err) => settle(err));
  let copied = 0;
  for await (const chunk of createReadStream(hostPath) as AsyncIterable<Buffer>) {
    copied += chunk.length;
    if (copied > size) throw new Error(`${hostPath} grew while it was copied into the image`);
    if (!entry.write(chunk)) await once(entry, 'drain');
  }
  (entry as unknown as NodeJS.WritableStream).end();
  await done;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
