import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The driver's standalone entry (what `node --import tsx mock-driver/main.ts` runs). */
export const MOCK_DRIVER_ENTRY = fileURLToPath(new URL('../../mock-driver/main.ts', import.meta.url));

/** The repository root: proto/ and schemas/ beside mock-driver/. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Files the bundled driver reads at run time, relative to the repository root. The driver finds them as
 * `new URL('../proto/...', import.meta.url)`, so a bundle at <root>/mock-driver/driver.mjs finds them at
 * <root>/proto and <root>/schemas, as the sources do.
 */
export const MOCK_DRIVER_RUNTIME_FILES = [
  'proto/cosi.v1alpha1.proto',
  'proto/cosi.v1alpha2.proto',
  'proto/google/rpc/status.proto',
  'schemas/rules.schema.json',
] as const;

/** Where the bundle goes relative to the root its runtime files sit in (see MOCK_DRIVER_RUNTIME_FILES). */
export const MOCK_DRIVER_BUNDLE_PATH = 'mock-driver/driver.mjs';

// The bundle is ESM (main.ts awaits at top level); CommonJS dependencies (grpc-js, protobufjs) call require,
// which an ES module lacks: the banner gives them Node's own. (Its `import.meta.url` is spelled in parts: the CLI's
// own bundle, bin/cli-bundle.js, rewrites that token in every source to the source's file URL.)
const REQUIRE_BANNER =
  "import { createRequire as cosiChaosCreateRequire } from 'node:module';\n" +
  `const require = cosiChaosCreateRequire(${['import', 'meta', 'url'].join('.')});`;

/**
 * Bundles mock-driver/main.ts and its dependencies into one ES module at `outFile` with esbuild (no minify, no
 * source map: the same sources and esbuild version give the same bytes). Node >= 20 runs it without node_modules.
 */
export async function bundleMockDriver(outFile: string): Promise<{ outFile: string; warnings: string[] }> {
  await mkdir(dirname(outFile), { recursive: true });
  const result = await build({
    entryPoints: [MOCK_DRIVER_ENTRY],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: REQUIRE_BANNER },
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: REPOSITORY_ROOT,
  });
  return { outFile, warnings: result.warnings.map((w) => w.text) };
}
