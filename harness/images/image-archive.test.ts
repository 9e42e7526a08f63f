import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageSpec, writeImageArchive } from './image-archive.ts';
import { readImageArchive } from './image-archive-reader.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'image-archive-'));
  await writeFile(join(dir, 'tool'), '#!/bin/true\nbinary bytes\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const spec = (): ImageSpec => ({
  ref: 'cosi-chaos.local/example:test',
  files: [
    { path: '/usr/bin/tool', hostPath: join(dir, 'tool') },
    { path: '/etc/config.json', content: '{"a":1}\n' },
  ],
  directories: [{ path: '/tmp', mode: 0o1777 }, { path: '/var/lib/cosi' }],
  entrypoint: ['/usr/bin/tool'],
  cmd: ['--flag'],
  env: ['PATH=/usr/bin', 'A=b'],
  user: '1000:1000',
  workingDir: '/',
  exposedPorts: ['8080/tcp'],
  labels: { 'org.opencontainers.image.version': 'v1' },
});

describe('writeImageArchive', () => {
  it('writes a docker-save archive whose manifest, config and layer agree, read back with tar-stream', async () => {
    const out = join(dir, 'a.tar');
    const written = await writeImageArchive(spec(), out);
    const read = await readImageArchive(out, ['usr/bin/tool', 'etc/config.json']);
    expect(read.manifest).toHaveLength(1);
    const [m] = read.manifest;
    expect(m?.RepoTags).toEqual(['cosi-chaos.local/example:test']);
    const config = read.configs.get(m?.Config ?? '');
    expect(config?.digest).toBe(written.imageId);
    expect(m?.Config).toBe(`${written.imageId.slice(7)}.json`);
    expect(config?.json).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      config: {
        Entrypoint: ['/usr/bin/tool'],
        Cmd: ['--flag'],
        Env: ['PATH=/usr/bin', 'A=b'],
        User: '1000:1000',
        WorkingDir: '/',
        ExposedPorts: { '8080/tcp': {} },
        Labels: { 'org.opencontainers.image.version': 'v1' },
      },
      rootfs: { type: 'layers', diff_ids: written.diffIds },
    });
    const layer = read.layers.get(m?.Layers[0] ?? '');
    expect(layer?.diffId).toBe(written.diffIds[0]);
    expect(layer?.entries.map((e) => [e.name, e.type, e.mode.toString(8)])).toEqual([
      ['etc/', 'directory', '755'],
      ['etc/config.json', 'file', '644'],
      ['tmp/', 'directory', '1777'],
      ['usr/', 'directory', '755'],
      ['usr/bin/', 'directory', '755'],
      ['usr/bin/tool', 'file', '755'],
      ['var/', 'directory', '755'],
      ['var/lib/', 'directory', '755'],
      ['var/lib/cosi/', 'directory', '755'],
    ]);
    expect(layer?.entries.every((e) => e.uid === 0 && e.gid === 0 && e.mtime === 0)).toBe(true);
    expect(read.contents.get('usr/bin/tool')?.toString()).toBe('#!/bin/true\nbinary bytes\n');
    expect(read.contents.get('etc/config.json')?.toString()).toBe('{"a":1}\n');
    expect(written.size).toBe((await readFile(out)).length);
  });

  it('is deterministic: the same inputs give the same bytes; another file gives another image ID', async () => {
    const a = await writeImageArchive(spec(), join(dir, 'd1.tar'));
    const b = await writeImageArchive({ ...spec(), files: [...spec().files].reverse() }, join(dir, 'd2.tar'));
    const sha = async (p: string) =>
      createHash('sha256')
        .update(await readFile(p))
        .digest('hex');
    expect(b.imageId).toBe(a.imageId);
    expect(await sha(b.archivePath)).toBe(await sha(a.archivePath));
    const c = await writeImageArchive(
      { ...spec(), files: [{ path: '/usr/bin/tool', content: 'other' }] },
      join(dir, 'd3.tar'),
    );
    expect(c.imageId).not.toBe(a.imageId);
  });

  it('is a tar GNU tar lists too (the format docker load and ctr import read)', async (ctx) => {
    const tar = await execa('tar', ['--version'], { reject: false });
    if (tar.exitCode !== 0) ctx.skip(); // GNU tar is not installed: the tar-stream read above still ran
    const out = join(dir, 'gnu.tar');
    const written = await writeImageArchive(spec(), out);
    const outer = (await execa('tar', ['-tf', out])).stdout.split('\n');
    const layerName = `${written.diffIds[0]?.slice(7)}/layer.tar`;
    expect(outer).toEqual([
      `${written.imageId.slice(7)}.json`,
      `${written.diffIds[0]?.slice(7)}/`,
      layerName,
      'manifest.json',
    ]);
    await execa('tar', ['-xf', out, '-C', dir, layerName]);
    const inner = (await execa('tar', ['-tvf', join(dir, layerName)])).stdout;
    expect(inner).toMatch(/^-rwxr-xr-x 0\/0 +25 1970-01-01 00:00 usr\/bin\/tool$/m);
    expect(inner).toMatch(/^drwxrwxrwt 0\/0 +0 1970-01-01 00:00 tmp\/$/m);
  });

  it('refuses a relative path, a path with .., and a file with both or neither source', async () => {
    const bad = (files: ImageSpec['files']) =>
      writeImageArchive({ ref: 'x.local/y:z', files }, join(dir, 'bad.tar'));
    await expect(bad([{ path: 'rel', content: '' }])).rejects.toThrow('image path rel must be absolute');
    await expect(bad([{ path: '/a/../../b', content: '' }])).rejects.toThrow('is not a file path');
    await expect(bad([{ path: '/a' }])).rejects.toThrow('give exactly one of hostPath and content');
  });
});
