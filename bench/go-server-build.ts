import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

// Sources of the Go baseline server; the binary is rebuilt whenever one of them (or the Go version) changes.
export const GO_SERVER_DIR = fileURLToPath(new URL('./go-server/', import.meta.url));
const GO_SERVER_SOURCES = ['go.mod', 'go.sum', 'main.go'];

// ~/.cache/cosi-chaos/bin by default; XDG_CACHE_HOME moves it. Outside the repo so no build output is committed.
export function benchBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cosi-chaos', 'bin');
}

export class GoBuildError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
    options?: ErrorOptions,
  ) {
    super(
      `${command} failed (exit ${exitCode ?? 'none'}); is Go installed and the module proxy reachable?\n${stderrTail}`,
      options,
    );
    this.name = 'GoBuildError';
  }
}

// Builds bench/go-server once per source hash and returns the binary's path; a cached build is reused as is.
export async function buildGoServer(): Promise<string> {
  const env = { GOFLAGS: '-mod=mod', GONOSUMDB: 'sigs.k8s.io/container-object-storage-interface' };
  const goVersion = await execa('go', ['version'], { reject: false });
  if (goVersion.exitCode !== 0) {
    throw new GoBuildError(
      'go version',
      goVersion.exitCode,
      goVersion.stderr || goVersion.shortMessage || '',
    );
  }
  const hash = createHash('sha256').update(goVersion.stdout);
  for (const file of GO_SERVER_SOURCES) hash.update(file).update(readFileSync(join(GO_SERVER_DIR, file)));
  const dir = benchBinDir();
  const binary = join(dir, `bench-go-server-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  const build = await execa('go', ['build', '-o', partial, '.'], {
    cwd: GO_SERVER_DIR,
    env,
    reject: false,
    all: true,
  });
  if (build.exitCode !== 0) {
    rmSync(partial, { force: true });
    const tail = (build.all ?? '').trim().split('\n').slice(-20).join('\n');
    throw new GoBuildError(`go build (in ${GO_SERVER_DIR})`, build.exitCode, tail);
  }
  // Rename last, so a concurrent or interrupted bench never runs a half-written binary.
  renameSync(partial, binary);
  return binary;
}
