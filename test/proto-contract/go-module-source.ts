import { tmpdir } from 'node:os';
import { execa } from 'execa';

// Where a Go module's files were unpacked, or why they could not be had (the reason a test prints when it skips).
export type GoModuleLookup = { found: true; dir: string; version: string } | { found: false; reason: string };

// COSI modules are not in the public checksum database under every name; -mod=mod lets go fetch outside a module.
export const GO_MODULE_ENV = {
  GOFLAGS: '-mod=mod',
  GONOSUMDB: 'sigs.k8s.io/container-object-storage-interface',
};

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
  Version?: string;
  Error?: string;
}

// `go mod download -json module@version` into the module cache; runs in the temp dir so no go.mod nearby interferes.
export async function downloadGoModule(module: string, version: string): Promise<GoModuleLookup> {
  const go = await checkGo();
  if (!go.ok) return { found: false, reason: go.reason };
  const command = `go mod download -json ${module}@${version}`;
  const result = await execa('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: tmpdir(),
    env: GO_MODULE_ENV,
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
  if (result.exitCode !== 0 || !info.Dir) {
    const said = (result.stderr || result.shortMessage || '').trim().split('\n').slice(-5).join('\n');
    return { found: false, reason: `\`${command}\` failed: ${said}` };
  }
  return { found: true, dir: info.Dir, version: info.Version ?? version };
}
