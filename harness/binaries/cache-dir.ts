import { homedir } from 'node:os';
import { join } from 'node:path';

/** Root of the build cache, outside any repository: $COSI_CHAOS_CACHE, else ~/.cache/cosi-chaos. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.COSI_CHAOS_CACHE) return env.COSI_CHAOS_CACHE;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cosi-chaos');
}

/** Where a built binary is cached: <cache>/bin/<name>-<version>. */
export function cachedBinaryPath(
  name: string,
  version: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return join(cacheRoot(env), 'bin', `${name}-${version}`);
}
