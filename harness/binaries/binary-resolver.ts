import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { cachedBinaryPath } from './cache-dir.ts';

/** Where a binary was found, in resolution order. */
export type BinarySource = 'TEST_ASSET' | 'KUBEBUILDER_ASSETS' | 'configured' | 'cache' | 'missing';

export interface ResolvedBinary {
  name: string;
  path: string;
  source: BinarySource;
  /** Why this path (which variable or flag), for `doctor` and results. */
  detail: string;
}

export interface ResolveOptions {
  name: string;
  version: string;
  /** A path the user gave (flag or config) for this binary. */
  configuredPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** True for an existing regular file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds a binary without building anything. Order (the envtest convention, then ours):
 * TEST_ASSET_<NAME> > $KUBEBUILDER_ASSETS/<name> > the configured path > the build cache.
 * Returns source 'missing' with the cache path to build into when none exists.
 */
export function resolveBinary(opts: ResolveOptions): ResolvedBinary {
  const env = opts.env ?? process.env;
  const varName = `TEST_ASSET_${opts.name.toUpperCase().replace(/-/g, '_')}`;
  const fromVar = env[varName];
  if (fromVar && isExecutable(fromVar)) {
    return { name: opts.name, path: fromVar, source: 'TEST_ASSET', detail: `$${varName}` };
  }
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets && isExecutable(join(assets, opts.name))) {
    return {
      name: opts.name,
      path: join(assets, opts.name),
      source: 'KUBEBUILDER_ASSETS',
      detail: `$KUBEBUILDER_ASSETS=${assets}`,
    };
  }
  if (opts.configuredPath && isExecutable(opts.configuredPath)) {
    return { name: opts.name, path: opts.configuredPath, source: 'configured', detail: 'configured path' };
  }
  const cached = cachedBinaryPath(opts.name, opts.version, env);
  if (isExecutable(cached)) {
    return { name: opts.name, path: cached, source: 'cache', detail: `built ${opts.version}` };
  }
  return { name: opts.name, path: cached, source: 'missing', detail: `not built yet (${opts.version})` };
}
