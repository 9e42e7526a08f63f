import { execa } from 'execa';
import {
  BUILTIN_VARIANTS,
  builtinMatrixVariants,
  ETCD,
  KUBE_APISERVER,
  patchKey,
  resolveBinary,
} from '../harness/index.ts';

async function versionOf(cmd: string, args: string[]): Promise<string | undefined> {
  const res = await execa(cmd, args, { reject: false, timeout: 10_000 });
  return res.exitCode === 0 ? String(res.stdout).split('\n')[0] : undefined;
}

/** `cosi-chaos doctor`: which binaries exist, where they came from, and how to get the rest. */
export async function doctorCommand(log: (line: string) => void): Promise<number> {
  const go = await versionOf('go', ['version']);
  log(
    `go:             ${go ?? 'MISSING: install Go (https://go.dev/dl) to build etcd, kube-apiserver and the sidecars'}`,
  );
  log(`node:           ${process.version}`);
  for (const recipe of [ETCD, KUBE_APISERVER]) {
    const r = resolveBinary({ name: recipe.name, version: recipe.version });
    log(
      `${recipe.name.padEnd(15)} ${r.source === 'missing' ? `not built yet: the first \`run\` builds ${recipe.origin} into ${r.path}` : `${r.path} (${r.detail})`}`,
    );
  }
  for (const v of BUILTIN_VARIANTS) {
    const r = v.recipe ? resolveBinary({ name: v.recipe.name, version: v.recipe.version }) : undefined;
    let state: string;
    if (r && r.source !== 'missing') state = `${r.path} (${r.detail})`;
    else if (v.knownUnavailable) state = `unavailable: ${v.knownUnavailable}`;
    else
      state = `not built: \`run\` tries to build ${v.recipe?.origin} (reported unavailable if the Go module proxy refuses it)`;
    log(`sidecar ${v.name.padEnd(17)} [${v.era}] ${state}`);
  }
  for (const v of builtinMatrixVariants().filter((m) => m.patchFile && m.recipe)) {
    const recipe = v.recipe as NonNullable<typeof v.recipe>;
    const key = await patchKey(recipe, v.patchFile as string);
    const r = resolveBinary({ name: recipe.name, version: `${recipe.version}-${key}` });
    const state =
      r.source === 'missing'
        ? `not built yet: \`matrix\` builds ${recipe.origin} + ${v.patchFile}`
        : `${r.path} (patch ${key})`;
    log(`matrix ${v.name.padEnd(18)} [${v.era}] ${state}`);
  }
  const docker = await versionOf('docker', ['info', '--format', '{{.ServerVersion}}']);
  log(`docker engine:  ${docker ? docker : 'not reachable (the kind and testcontainers lanes need Docker)'}`);
  const kind = await versionOf('kind', ['version']);
  log(`kind:           ${kind ?? 'not installed (go install sigs.k8s.io/kind@latest)'}`);
  return go ? 0 : 1;
}
