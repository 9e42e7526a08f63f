import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { cacheRoot } from './cache-dir.ts';

/**
 * Environment for every go command the harness runs: the user's own (GOPROXY, GONOSUMDB, GOPRIVATE, GOFLAGS,
 * GOTOOLCHAIN, GOMODCACHE ...) passed through untouched. Only CGO_ENABLED=0 is added, and only when the user
 * has not set it: the binaries are static and need no C toolchain.
 */
export function goEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return env.CGO_ENABLED === undefined ? { ...env, CGO_ENABLED: '0' } : { ...env };
}

/**
 * `-mod=mod` on the command line (not in GOFLAGS, which stays the user's): the generated main module has no
 * go.sum yet, and the go command records sums as it resolves.
 */
export const GO_MOD_FLAG = '-mod=mod';

/** Where `go mod download` put a module version: its source directory and its go.mod file. */
export interface DownloadedModule {
  dir: string;
  goMod: string;
}

/** A module version the go command could not fetch; `output` is its own message, `hint` what to do. */
export class ModuleDownloadError extends Error {
  override readonly name = 'ModuleDownloadError';
  constructor(
    readonly module: string,
    readonly version: string,
    readonly output: string,
  ) {
    const hint = checksumHint(output);
    super(`cannot download ${module}@${version}: ${output.trim()}${hint ? `\n${hint}` : ''}`);
  }
}

/**
 * What to do when the checksum database cannot vouch for a module (it answers 404/410 for versions it never
 * saw, as for COSI modules served only by a private or file-based proxy): the go command's message alone
 * does not say. Undefined when the output is not that failure.
 */
export function checksumHint(output: string): string | undefined {
  const m = /verifying (?:module: |go\.mod: )?(\S+?)@\S+: .*(?:404 Not Found|410 Gone|not found)/.exec(
    output,
  );
  if (!m) return undefined;
  return (
    `the Go checksum database cannot vouch for ${m[1]}: if you trust the proxy that serves it, add it to ` +
    `GONOSUMDB (e.g. GONOSUMDB=sigs.k8s.io/container-object-storage-interface*) and run again`
  );
}

/**
 * Downloads a module version through the user's Go module proxy (once; the module cache keeps it). Where it went
 * is remembered beside the built binaries, so a warm run starts no go command at all (a module cache that was
 * cleaned since is noticed and asked again).
 */
export async function goModDownload(
  module: string,
  version: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DownloadedModule> {
  const key = `${module}@${version}`;
  const known = (await readLocations(env))[key];
  if (known && (await exists(known.goMod)) && (await exists(known.dir))) return known;
  const res = await execa('go', ['mod', 'download', '-json', key], {
    reject: false,
    env: goEnv(env),
    extendEnv: false,
  });
  const info = JSON.parse(res.stdout || '{}') as { Dir?: string; GoMod?: string; Error?: string };
  if (!info.Dir || !info.GoMod) throw new ModuleDownloadError(module, version, info.Error ?? res.stderr);
  const found = { dir: info.Dir, goMod: info.GoMod };
  await rememberLocation(env, key, found).catch(() => {});
  return found;
}

const locationsFile = (env: NodeJS.ProcessEnv) => join(cacheRoot(env), 'module-locations.json');

async function readLocations(env: NodeJS.ProcessEnv): Promise<Record<string, DownloadedModule>> {
  try {
    return JSON.parse(await readFile(locationsFile(env), 'utf8')) as Record<string, DownloadedModule>;
  } catch {
    return {};
  }
}

// Read-modify-write of a small file; concurrent runs can at worst forget an entry, which costs one go command.
async function rememberLocation(env: NodeJS.ProcessEnv, key: string, m: DownloadedModule): Promise<void> {
  const all = { ...(await readLocations(env)), [key]: m };
  await mkdir(dirname(locationsFile(env)), { recursive: true });
  await writeFile(locationsFile(env), `${JSON.stringify(all, null, 1)}\n`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
