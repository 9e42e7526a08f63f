import { execa } from 'execa';

/** Environment for every go command the harness runs. */
export const GO_ENV = {
  // Resolve dependencies as the generated go.mod says, recording sums as they come.
  GOFLAGS: '-mod=mod',
  // client/proto v0.2.x submodules are on the proxy but not in the checksum database.
  GONOSUMDB: 'sigs.k8s.io/container-object-storage-interface',
  CGO_ENABLED: '0',
};

/** Where `go mod download` put a module version: its source directory and its go.mod file. */
export interface DownloadedModule {
  dir: string;
  goMod: string;
}

/** Downloads a module version through the Go module proxy (once; the module cache keeps it). */
export async function goModDownload(
  module: string,
  version: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DownloadedModule> {
  const res = await execa('go', ['mod', 'download', '-json', `${module}@${version}`], {
    reject: false,
    env: { ...env, ...GO_ENV },
  });
  const info = JSON.parse(res.stdout || '{}') as { Dir?: string; GoMod?: string; Error?: string };
  if (!info.Dir || !info.GoMod)
    throw new Error(`cannot download ${module}@${version}: ${info.Error ?? res.stderr}`);
  return { dir: info.Dir, goMod: info.GoMod };
}
