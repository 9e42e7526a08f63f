import { execa } from 'execa';

/** Directory of a Go module version in the module cache, downloading it through the proxy when needed. */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const res = await execa('go', ['mod', 'download', '-json', `${module}@${version}`], {
    reject: false,
    env: { GOFLAGS: '-mod=mod' },
  });
  const info = JSON.parse(res.stdout || '{}') as { Dir?: string; Error?: string };
  if (!info.Dir) {
    throw new Error(`cannot download ${module}@${version}: ${info.Error ?? res.stderr}`);
  }
  return info.Dir;
}
