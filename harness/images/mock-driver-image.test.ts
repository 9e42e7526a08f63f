import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { connectCosiClient } from '../../mock-driver/index.ts';
import { readImageArchive } from './image-archive-reader.ts';
import { buildMockDriverImage, MOCK_DRIVER_CMD, MOCK_DRIVER_REF } from './mock-driver-image.ts';
import { startThrowawayContainerd, type ThrowawayContainerd } from './throwaway-containerd.ts';

const root = process.getuid?.() === 0;
const haveChroot = (await execa('chroot', ['--version'], { reject: false })).exitCode === 0;
const haveContainerd =
  root &&
  (await execa('containerd', ['--version'], { reject: false })).exitCode === 0 &&
  (await execa('runc', ['--version'], { reject: false })).exitCode === 0;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

type Config = {
  config: { Entrypoint: string[]; Cmd: string[]; User: string; WorkingDir: string; ExposedPorts: object };
};

describe('buildMockDriverImage', () => {
  it('holds node, its libraries and loader, the bundle, its protos and schema, and the driver dirs', async () => {
    const lines: string[] = [];
    const image = await buildMockDriverImage({ progress: (p, d) => lines.push(`${p}: ${d}`) });
    expect(image.ref).toBe(MOCK_DRIVER_REF);
    expect(lines[0]).toMatch(/^bundle: esbuild mock-driver\/main\.ts/);
    const read = await readImageArchive(image.archivePath, ['etc/cosi-chaos/rules/rules.yaml']);
    const config = [...read.configs.values()][0];
    expect(config?.digest).toBe(image.imageId);
    expect((config?.json as Config | undefined)?.config).toMatchObject({
      Entrypoint: ['/usr/bin/node', '/app/mock-driver/driver.mjs'],
      Cmd: MOCK_DRIVER_CMD,
      User: '1000:1000',
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
    });
    // The Dockerfile's CMD is the image's: one set of pod defaults.
    const dockerfile = await readFile(
      new URL('../../deploy/mock-driver/Dockerfile', import.meta.url),
      'utf8',
    );
    expect(dockerfile).toContain(`CMD ${JSON.stringify(MOCK_DRIVER_CMD).replaceAll(',', ', ')}`);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/app/mock-driver/driver.mjs"]');
    const entries = [...read.layers.values()][0]?.entries ?? [];
    const names = entries.map((e) => e.name);
    for (const n of [
      'usr/bin/node',
      'lib64/ld-linux-x86-64.so.2',
      'app/mock-driver/driver.mjs',
      'app/proto/cosi.v1alpha1.proto',
      'app/proto/cosi.v1alpha2.proto',
      'app/proto/google/rpc/status.proto',
      'app/schemas/rules.schema.json',
      'etc/cosi-chaos/rules/rules.yaml',
    ])
      expect(names, n).toContain(n);
    expect(names.some((n) => /^lib\/.*libc\.so\.6$/.test(n))).toBe(true);
    expect(entries.find((e) => e.name === 'var/lib/cosi/')).toMatchObject({ uid: 1000, gid: 1000 });
    expect(entries.find((e) => e.name === 'var/lib/cosi-chaos/')).toMatchObject({ uid: 1000, gid: 1000 });
    expect(entries.find((e) => e.name === 'tmp/')?.mode).toBe(0o1777);
    expect(read.contents.get('etc/cosi-chaos/rules/rules.yaml')?.toString()).toContain('rules: []');
    // Nothing changed: the cache's archive, not a new one.
    const again = await buildMockDriverImage();
    expect(again).toMatchObject({ imageId: image.imageId, buildSeconds: 0 });
  }, 300_000);

  it.skipIf(!root || !haveChroot)(
    'runs from the unpacked rootfs (chroot as uid 1000, nothing of the host): DriverGetInfo answers on both eras over its socket',
    async () => {
      const image = await buildMockDriverImage();
      const dir = await mkdtemp(join(tmpdir(), 'mock-driver-rootfs-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const read = await readImageArchive(image.archivePath);
      await execa('tar', ['-xf', image.archivePath, '-C', dir]);
      const rootfs = join(dir, 'r');
      await mkdir(rootfs);
      // As root GNU tar keeps the layer's owners: /var/lib/cosi belongs to the driver's user.
      await execa('tar', ['-xf', join(dir, read.manifest[0]?.Layers[0] ?? ''), '-C', rootfs]);
      const driver = execa(
        'chroot',
        [
          '--userspec=1000:1000',
          rootfs,
          '/usr/bin/node',
          '/app/mock-driver/driver.mjs',
          '--socket',
          '/var/lib/cosi/cosi.sock',
          '--name',
          'image.cosi-chaos.io',
          '--rules',
          '/etc/cosi-chaos/rules/rules.yaml',
          '--admin',
          'unix:/var/lib/cosi-chaos/admin.sock',
          '--journal',
          '/var/lib/cosi-chaos/journal.jsonl',
        ],
        {
          reject: false,
          all: true,
          env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
          extendEnv: false,
          cleanup: true,
        },
      );
      cleanups.push(async () => {
        driver.kill('SIGKILL');
        await driver;
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`driver did not listen within 120 s:\n${out}`)),
          120_000,
        );
        driver.all?.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('"event":"listening"')) {
            clearTimeout(timer);
            resolve();
          }
        });
        driver.then((r) => reject(new Error(`driver exited ${r.exitCode}: ${r.message}\n${out}`)));
      });
      for (const era of ['v1alpha1', 'v1alpha2'] as const) {
        const client = connectCosiClient(era, `unix:${join(rootfs, 'var/lib/cosi/cosi.sock')}`);
        try {
          const info = await client.call('DriverGetInfo', {});
          expect(info, era).toMatchObject({ code: 'OK', response: { name: 'image.cosi-chaos.io' } });
        } finally {
          client.close();
        }
      }
      driver.kill('SIGTERM');
      expect((await driver).exitCode, out).toBe(0);
      // The journal in the writable /var/lib/cosi-chaos recorded both calls (written by the time it stopped).
      const journal = await readFile(join(rootfs, 'var/lib/cosi-chaos/journal.jsonl'), 'utf8');
      expect(journal.trim().split('\n')).toHaveLength(2);
    },
    180_000,
  );

  it.skipIf(!haveContainerd)(
    'imports into a throwaway containerd and runc runs its node (root, containerd and runc here)',
    async () => {
      const image = await buildMockDriverImage();
      const containerd: ThrowawayContainerd = await startThrowawayContainerd();
      cleanups.push(() => containerd.stop());
      await containerd.ctr(['images', 'import', '--snapshotter', 'native', image.archivePath]);
      const ls = await containerd.ctr(['images', 'ls']);
      const row = ls.split('\n').find((l) => l.startsWith(`${MOCK_DRIVER_REF} `));
      const manifest = JSON.parse(await containerd.ctr(['content', 'get', row?.split(/\s+/)[2] ?? '']));
      expect(manifest.config.digest).toBe(image.imageId);
      const out = await containerd.ctr([
        'run',
        '--rm',
        '--snapshotter',
        'native',
        MOCK_DRIVER_REF,
        'mock-driver-help',
        '/usr/bin/node',
        '/app/mock-driver/driver.mjs',
        '--help',
      ]);
      expect(out).toContain('Serve a scriptable mock COSI driver');
    },
    180_000,
  );
});
