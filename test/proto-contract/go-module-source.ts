import { tmpdir } from 'node:os';
import { execa } from 'execa';

// Where a Go module's files (and its go.mod) were unpacked, or why they could not be had (the reason a test prints
// when it skips).
export type GoModuleLookup =
  | { found: true; dir: string; goMod: string; version: string }
  | { found: false; reason: string };

let goVersion: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

function checkGo() {
  goVersion ??= execa('go', ['version'], { reject: false, timeout: 30_000 }).then((result) =>
    result.exitCode === 0
      ? { ok: true as const }
      : {
          ok: false as const,
          reason: `Go is not available (\`go version\`: ${result.shortMessage ?? result.stderr})`,
        },
  );
  return goVersion;
}

interface GoModDownloadJson {
  Dir?: string;
  GoMod?: string;
  Version?: string;
  Error?: string;
}

// `go mod download -json module@version` into the module cache, with the caller's environment untouched (GOPROXY,
// GONOSUMDB, GOFLAGS ... are the user's or CI's); runs in the temp dir so no go.mod nearby interferes.
export async function downloadGoModule(module: string, version: string): Promise<GoModuleLookup> {
  const go = await checkGo();
  if (!go.ok) return { found: false, reason: go.reason };
  const command = `go mod download -json ${module}@${version}`;
  const result = await execa('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: tmpdir(),
    reject: false,
    timeout: 120_000,
  });
  let info: GoModDownloadJson = {};
  try {
    info = JSON.parse(result.stdout) as GoModDownloadJson;
  } catch {
    // Not JSON (go crashed or timed out): fall through to the exit status below.
  }
  if (info.Error) return { found: false, reason: `\`${command}\` failed: ${info.Error}` };
  if (result.exitCode !== 0 || !info.Dir || !info.GoMod) {
    const said = (result.stderr || result.shortMessage || '').trim().split('\n').slice(-5).join('\n');
    return { found: false, reason: `\`${command}\` failed: ${said}` };
  }
  return { found: true, dir: info.Dir, goMod: info.GoMod, version: info.Version ?? version };
}
