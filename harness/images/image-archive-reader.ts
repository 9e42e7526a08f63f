import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import * as tarStream from 'tar-stream';

/** One entry of a layer as its tar header says. */
export interface LayerEntryInfo {
  name: string;
  type: string;
  mode: number;
  size: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname?: string;
}

/** A docker-save archive read back: its manifest, each image's config and its layers' listings. */
export interface ReadImageArchive {
  manifest: { Config: string; RepoTags: string[]; Layers: string[] }[];
  /** Config JSON by file name in the archive, and its sha256 (sha256:<hex>). */
  configs: Map<string, { json: Record<string, unknown>; digest: string }>;
  /** Layer listing by file name in the archive, and the sha256 of the layer tar (its diff ID). */
  layers: Map<string, { diffId: string; entries: LayerEntryInfo[] }>;
}

/**
 * Reads a docker-save archive without unpacking it: what `docker load` would see. `wanted` names the layer
 * files whose content (by path in the layer) is returned as well, for small files a test wants to compare.
 */
export async function readImageArchive(
  archivePath: string,
  wanted: string[] = [],
): Promise<ReadImageArchive & { contents: Map<string, Buffer> }> {
  const result: ReadImageArchive & { contents: Map<string, Buffer> } = {
    manifest: [],
    configs: new Map(),
    layers: new Map(),
    contents: new Map(),
  };
  const outer = tarStream.extract();
  const done = (async () => {
    for await (const entry of outer) {
      const name = entry.header.name;
      if (name.endsWith('layer.tar') || name.startsWith('blobs/')) {
        const layer = await readLayer(entry as unknown as AsyncIterable<Buffer>, wanted, result.contents);
        if (layer.entries.length || name.endsWith('layer.tar')) result.layers.set(name, layer);
        continue;
      }
      const data = await collect(entry as unknown as AsyncIterable<Buffer>);
      if (name === 'manifest.json') result.manifest = JSON.parse(data.toString('utf8'));
      else if (name.endsWith('.json'))
        result.configs.set(name, {
          json: JSON.parse(data.toString('utf8')),
          digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
        });
    }
  })();
  await pipeline(createReadStream(archivePath), outer);
  await done;
  return result;
}

async function readLayer(
  layer: AsyncIterable<Buffer>,
  wanted: string[],
  contents: Map<string, Buffer>,
): Promise<{ diffId: string; entries: LayerEntryInfo[] }> {
  const hash = createHash('sha256');
  const inner = tarStream.extract();
  const entries: LayerEntryInfo[] = [];
  const listed = (async () => {
    for await (const e of inner) {
      const h = e.header;
      entries.push({
        name: h.name,
        type: h.type ?? 'file',
        mode: h.mode ?? 0,
        size: h.size ?? 0,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        mtime: h.mtime?.getTime() ?? 0,
        ...(h.linkname ? { linkname: h.linkname } : {}),
      });
      const data = await collect(e as unknown as AsyncIterable<Buffer>);
      if (wanted.includes(h.name)) contents.set(h.name, data);
    }
  })();
  for await (const chunk of layer) {
    hash.update(chunk);
    if (!inner.write(chunk)) await new Promise<void>((r) => inner.once('drain', () => r()));
  }
  (inner as unknown as NodeJS.WritableStream).end();
  await listed;
  return { diffId: `sha256:${hash.digest('hex')}`, entries };
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}
