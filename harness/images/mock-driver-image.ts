import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ImageBuildError } from './image-build-error.ts';
import { type BuiltImage, cachedImageArchive, type ImageProgress, imageCacheDir } from './image-cache.ts';
import {
  bundleMockDriver,
  MOCK_DRIVER_BUNDLE_PATH,
  MOCK_DRIVER_RUNTIME_FILES,
  REPOSITORY_ROOT,
} from './mock-driver-bundle.ts';
import { binaryWithLibraries } from './node-runtime-files.ts';

/** The mock driver image's reference (no registry answers for cosi-chaos.local). */
export const MOCK_DRIVER_REF = 'cosi-chaos.local/mock-driver:dev';

/** Where the driver lives in the image: the bundle at /app/mock-driver/driver.mjs, its protos and schema under /app. */
export const MOCK_DRIVER_APP_DIR = '/app';

/** Pod-local defaults, the same as deploy/mock-driver/Dockerfile's CMD; deploy manifests pass their own flags. */
export const MOCK_DRIVER_CMD = [
  '--socket',
  '/var/lib/cosi/cosi.sock',
  '--name',
  'mock.cosi-chaos.io',
  '--rules',
  '/etc/cosi-chaos/rules/rules.yaml',
  '--admin',
  '0.0.0.0:8080',
];

/** The uid:gid the driver runs as (the official node image's "node" user, as the Dockerfile has it). */
export const MOCK_DRIVER_USER = '1000:1000';

/**
 * The mock driver FROM scratch: this machine's node (default the one running this code) with the libraries
 * and loader ldd lists, the esbuild bundle of mock-driver/main.ts, the .proto files and rules schema beside
 * it as the sources have them, a default rule file with no rules (a pod mounts its own over it), /tmp and
 * /var/lib/cosi and /var/lib/cosi-chaos owned by the driver's user. Cached on all of that content.
 */
export async function buildMockDriverImage(
  opts: { ref?: string; nodeBinary?: string; progress?: ImageProgress } = {},
): Promise<BuiltImage> {
  const started = Date.now();
  const ref = opts.ref ?? MOCK_DRIVER_REF;
  const nodeBinary = opts.nodeBinary ?? process.execPath;
  // On a new machine nothing has made the image cache yet.
  await mkdir(imageCacheDir(), { recursive: true });
  const work = await mkdtemp(join(imageCacheDir(), 'mock-driver-bundle-'));
  try {
    opts.progress?.('bundle', `esbuild mock-driver/main.ts -> ${MOCK_DRIVER_BUNDLE_PATH}`);
    const bundle = join(work, 'driver.mjs');
    try {
      await bundleMockDriver(bundle);
    } catch (err) {
      throw new ImageBuildError(
        ref,
        'esbuild',
        String((err as Error).message),
        'run npm ci (esbuild is a dependency)',
        {
          cause: err,
        },
      );
    }
    opts.progress?.('image', `${ref}: node ${nodeBinary} and the libraries ldd lists`);
    const node = await binaryWithLibraries(nodeBinary, '/usr/bin/node');
    const app = (rel: string) => `${MOCK_DRIVER_APP_DIR}/${rel}`;
    const [uid, gid] = MOCK_DRIVER_USER.split(':').map(Number) as [number, number];
    const nodeVersion = (await execa(nodeBinary, ['--version'])).stdout.trim();
    const version = (
      JSON.parse(await readFile(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { version: string }
    ).version;
    return await cachedImageArchive(
      {
        ref,
        files: [
          ...node,
          { path: app(MOCK_DRIVER_BUNDLE_PATH), hostPath: bundle, mode: 0o644 },
          ...MOCK_DRIVER_RUNTIME_FILES.map((rel) => ({
            path: app(rel),
            hostPath: join(REPOSITORY_ROOT, rel),
            mode: 0o644,
          })),
          {
            path: '/etc/cosi-chaos/rules/rules.yaml',
            content: '# No rules: every call is answered OK.\nrules: []\n',
          },
          {
            path: '/etc/passwd',
            content: 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/tmp:/sbin/nologin\n',
          },
          { path: '/etc/group', content: 'root:x:0:\nnode:x:1000:\n' },
        ],
        directories: [
          { path: '/tmp', mode: 0o1777 },
          { path: '/var/lib/cosi', uid, gid },
          { path: '/var/lib/cosi-chaos', uid, gid },
        ],
        env: ['PATH=/usr/bin', 'NODE_ENV=production'],
        user: MOCK_DRIVER_USER,
        workingDir: MOCK_DRIVER_APP_DIR,
        entrypoint: ['/usr/bin/node', app(MOCK_DRIVER_BUNDLE_PATH)],
        cmd: MOCK_DRIVER_CMD,
        exposedPorts: ['8080/tcp'],
        labels: {
          'org.opencontainers.image.title': 'cosi-chaos mock COSI driver',
          'org.opencontainers.image.source': 'cosi-chaos mock-driver/main.ts (esbuild bundle)',
          'org.opencontainers.image.version': version,
          'io.cosi-chaos.node': nodeVersion,
        },
      },
      {
        source: `mock-driver/main.ts bundled, node ${nodeVersion} from ${nodeBinary}`,
        progress: opts.progress,
        startedAt: started,
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
