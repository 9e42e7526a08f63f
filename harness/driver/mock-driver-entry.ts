import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheRoot } from '../binaries/cache-dir.ts';
import {
  bundleMockDriver,
  MOCK_DRIVER_BUNDLE_PATH,
  MOCK_DRIVER_ENTRY,
  MOCK_DRIVER_RUNTIME_FILES,
  REPOSITORY_ROOT,
} from '../images/mock-driver-bundle.ts';

// Every run starts a driver per variant (the matrix dozens): through tsx one took 1.1-1.4 s to listen on this
// machine, its esbuild bundle 0.47-0.57 s. The bundle is built once per version of its inputs (the driver's
// sources, the files it reads, the locked dependencies) into the cache, beside copies of the files it reads.

const DRIVER_DIR = dirname(MOCK_DRIVER_ENTRY);

/** A digest of everything the bundle is made of: a changed source gives a new bundle, never a stale one. */
async function bundleInputsDigest(): Promise<string> {
  const sources = (await readdir(DRIVER_DIR))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(DRIVER_DIR, f));
  const others = [...MOCK_DRIVER_RUNTIME_FILES, 'package-lock.json'].map((f) => join(REPOSITORY_ROOT, f));
  const hash = createHash('sha256').update(process.version);
  for (const file of [...sources, ...others]) {
    hash.update(file.slice(REPOSITORY_ROOT.length)).update('\0');
    hash.update(await readFile(file).catch(() => Buffer.alloc(0))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function cachedBundle(): Promise<string> {
  const dir = join(cacheRoot(), 'mock-driver', await bundleInputsDigest());
  const entry = join(dir, MOCK_DRIVER_BUNDLE_PATH);
  if (await exists(entry)) return entry;
  // Built beside and renamed into place: parallel runs (CI's test files) may build the same bundle at once.
  const work = `${dir}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await bundleMockDriver(join(work, MOCK_DRIVER_BUNDLE_PATH));
    for (const f of MOCK_DRIVER_RUNTIME_FILES) {
      await mkdir(dirname(join(work, f)), { recursive: true });
      await copyFile(join(REPOSITORY_ROOT, f), join(work, f));
    }
    await rename(work, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await exists(entry))) throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return entry;
}

let entryArgs: Promise<string[]> | undefined;

/**
 * The node arguments that run the mock driver: its cached bundle, or (if esbuild cannot build it here) the sources
 * through tsx, said once on stderr. Built on the first call of the process.
 */
export function mockDriverEntryArgs(): Promise<string[]> {
  entryArgs ??= cachedBundle().then(
    (bundle) => [bundle],
    (err: unknown) => {
      process.stderr.write(
        `cosi-chaos: the mock driver bundle could not be built (${(err as Error).message}); running its sources through tsx\n`,
      );
      return ['--import', 'tsx', MOCK_DRIVER_ENTRY];
    },
  );
  return entryArgs;
}
