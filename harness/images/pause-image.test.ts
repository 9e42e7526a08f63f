import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readImageArchive } from './image-archive-reader.ts';
import { buildPauseImage, DEFAULT_PAUSE_REF } from './pause-image.ts';
import { startThrowawayContainerd, type ThrowawayContainerd } from './throwaway-containerd.ts';

const haveGcc = (await execa('gcc', ['--version'], { reject: false })).exitCode === 0;
const haveContainerd =
  process.getuid?.() === 0 &&
  (await execa('containerd', ['--version'], { reject: false })).exitCode === 0 &&
  (await execa('ctr', ['--version'], { reject: false })).exitCode === 0;
const haveRunc = (await execa('runc', ['--version'], { reject: false })).exitCode === 0;

let containerd: ThrowawayContainerd | undefined;
afterAll(() => containerd?.stop());

describe.skipIf(!haveGcc)('buildPauseImage (gcc is installed)', () => {
  it('builds /pause with gcc -static, FROM scratch, tagged as asked, and the second call is the cache', async () => {
    const lines: string[] = [];
    const image = await buildPauseImage({ progress: (p, d) => lines.push(`${p}: ${d}`) });
    expect(image.ref).toBe(DEFAULT_PAUSE_REF);
    expect(image.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines.some((l) => l.startsWith('image: registry.k8s.io/pause:3.10'))).toBe(true);
    const read = await readImageArchive(image.archivePath);
    expect(read.manifest[0]?.RepoTags).toEqual([DEFAULT_PAUSE_REF]);
    const config = [...read.configs.values()][0];
    expect(config?.digest).toBe(image.imageId);
    expect(config?.json).toMatchObject({
      config: { Entrypoint: ['/pause'], User: '65535:65535' },
      os: 'linux',
    });
    const layer = [...read.layers.values()][0];
    expect(layer?.entries.map((e) => e.name)).toEqual(['pause']);
    const again = await buildPauseImage();
    expect(again).toMatchObject({ imageId: image.imageId, archivePath: image.archivePath, buildSeconds: 0 });
    const other = await buildPauseImage({ ref: 'cosi-chaos.local/pause:test' });
    expect(other.ref).toBe('cosi-chaos.local/pause:test');
    expect(other.imageId).toBe(image.imageId); // the tag is in manifest.json, not in the config
  }, 120_000);

  it.skipIf(!haveContainerd)(
    'imports into a throwaway containerd (root, containerd and ctr here), listed with its config digest; runc runs /pause -v',
    async () => {
      const image = await buildPauseImage();
      containerd = await startThrowawayContainerd();
      await containerd.ctr(['images', 'import', '--snapshotter', 'native', image.archivePath]);
      const ls = await containerd.ctr(['images', 'ls']);
      const row = ls.split('\n').find((l) => l.startsWith(`${DEFAULT_PAUSE_REF} `));
      expect(row, ls).toBeDefined();
      const manifestDigest = row?.split(/\s+/)[2] ?? '';
      expect(manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const manifest = JSON.parse(await containerd.ctr(['content', 'get', manifestDigest]));
      expect(manifest.config.digest).toBe(image.imageId);
      // Importing the same archive again changes nothing: the same bytes, the same digests.
      await containerd.ctr(['images', 'import', '--snapshotter', 'native', image.archivePath]);
      expect(await containerd.ctr(['images', 'ls'])).toBe(ls);
      if (!haveRunc) return; // runc is missing: the image was imported and unpacked, not run
      const out = await containerd.ctr([
        'run',
        '--rm',
        '--snapshotter',
        'native',
        DEFAULT_PAUSE_REF,
        'pause-version',
        '/pause',
        '-v',
      ]);
      expect(out).toMatch(/^pause\.c v3\.\d+/);
    },
    120_000,
  );
});
