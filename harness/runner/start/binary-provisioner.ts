import { resolveBinary } from '../../binaries/binary-resolver.ts';
import { BuildError } from '../../binaries/build-error.ts';
import type { GoBuildRecipe } from '../../binaries/component-catalog.ts';
import { type BuildProgress, buildFromGoModules } from '../../binaries/go-module-builder.ts';
import type { ComponentVersion } from '../../results/run-results.ts';

export interface ProvisionedBinary {
  path: string;
  component: ComponentVersion;
  /** Seconds spent building now (0 when found). */
  buildSeconds: number;
}

/** Finds a binary (TEST_ASSET_*, KUBEBUILDER_ASSETS, configured path, cache), else builds it once. */
export async function provisionBinary(
  recipe: GoBuildRecipe,
  opts: { configuredPath?: string; progress?: BuildProgress } = {},
): Promise<ProvisionedBinary> {
  const found = resolveBinary({
    name: recipe.name,
    version: recipe.version,
    configuredPath: opts.configuredPath,
  });
  if (found.source !== 'missing') {
    return {
      path: found.path,
      buildSeconds: 0,
      component: {
        name: recipe.name,
        version: found.source === 'cache' ? recipe.version : 'as provided',
        source: found.source === 'cache' ? `built from ${recipe.origin}` : found.detail,
        path: found.path,
      },
    };
  }
  const built = await buildFromGoModules(recipe, { progress: opts.progress });
  return {
    path: built.path,
    buildSeconds: built.seconds,
    component: {
      name: recipe.name,
      version: recipe.version,
      source: `built from ${recipe.origin}`,
      path: built.path,
    },
  };
}

/** Short reason for an unavailable build: the go command's decisive line. */
export function unavailableReason(err: unknown): string {
  if (err instanceof BuildError) {
    const line = err.output
      .split('\n')
      .find((l) => /403|404 Not Found|not available|invalid version|cannot find|no matching/.test(l));
    // The proxy's own URL says nothing the module path does not; reports get pasted into bug reports.
    const decisive = (line ?? err.output.trim().split('\n').at(-1) ?? '')
      .trim()
      .replace(/reading https?:\/\/\S+: /g, 'the Go module proxy answered ');
    return `${err.origin} cannot be built here: ${decisive}${err.hint ? ` (${err.hint})` : ''}`;
  }
  return String(err instanceof Error ? err.message : err);
}
