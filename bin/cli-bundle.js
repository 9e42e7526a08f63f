// The CLI's TypeScript, bundled by esbuild once per version of the sources into node_modules/.cache (where its
// dependencies still resolve): through tsx every command paid 2.5-3 s before its first line (each of ~270 modules
// crossing tsx's loader thread); the bundle starts in about a second. Plain JS: it runs before any TypeScript can.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['cli', 'harness', 'reports', 'mock-driver'];
const ENTRY = join(ROOT, 'cli', 'main.ts');

function sources(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testdata' && e.name !== 'node_modules') sources(p, out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// Everything the bundle is made of, and where it is (its sources are named by absolute path): a changed file gives
// a new bundle, never a stale one.
function digest() {
  const hash = createHash('sha256').update(`${process.version}\0${ROOT}\0`);
  const files = SOURCE_DIRS.flatMap((d) => sources(join(ROOT, d))).sort();
  // This file too: a change of how the bundle is made gives a new one.
  for (const f of [...files, join(ROOT, 'package-lock.json'), fileURLToPath(import.meta.url)]) {
    hash.update(relative(ROOT, f)).update('\0');
    try {
      hash.update(readFileSync(f));
    } catch {
      // a missing lock file is part of the digest as nothing
    }
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

// The bundle lives elsewhere than the sources: their own file URL replaces import.meta.url (paths to the protos,
// schemas and package.json beside them); node_modules stay outside the bundle and resolve as before.
const sourceUrls = {
  name: 'source-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      // Only this package's own sources: installed, they sit under another project's node_modules themselves.
      if (!args.path.startsWith(ROOT) || args.path.startsWith(join(ROOT, 'node_modules', '')))
        return undefined;
      const text = readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents: text, loader: 'ts' };
    });
  },
};

/** The bundle's path, built first if this version of the sources has none. */
export async function cliBundle() {
  const dir = join(ROOT, 'node_modules', '.cache', 'cosi-chaos');
  const file = join(dir, `cli-${digest()}.mjs`);
  try {
    statSync(file);
    return file;
  } catch {
    // not built yet
  }
  const { build } = await import('esbuild');
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    write: false,
    logLevel: 'silent',
    plugins: [sourceUrls],
  });
  // Written beside and renamed: test files start CLIs in parallel, and one may build while another reads.
  const tmp = `${file}.${process.pid}-${randomBytes(3).toString('hex')}`;
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, file);
  for (const old of readdirSync(dir))
    if (old.startsWith('cli-') && join(dir, old) !== file && !old.includes('.mjs.'))
      rmSync(join(dir, old), { force: true });
  return file;
}
