import { execa } from 'execa';
import {
  BUILTIN_VARIANTS,
  builtinMatrixVariants,
  ETCD,
  KUBE_APISERVER,
  patchKey,
  resolveBinary,
  SAMPLE_COSI_DRIVER,
  SCALITY_REVISIONS,
  VERSITYGW,
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
    for (const [role, recipe] of [
      ['sidecar', v.recipe],
      ['controller', v.controller],
    ] as const) {
      if (!recipe) continue;
      const r = resolveBinary({ name: recipe.name, version: recipe.version });
      const state =
        r.source !== 'missing'
          ? `${r.path} (${r.detail})`
          : `not built: \`run\` tries to build ${recipe.origin} (reported unavailable with the go command's reason if it cannot)`;
      log(`${role.padEnd(10)} ${v.name.padEnd(17)} [${v.era}] ${state}`);
    }
  }
  // Real drivers: built on first use by a scenario, `run --driver` or `driver-map --driver`.
  const realDrivers = [
    ['sample driver', SAMPLE_COSI_DRIVER, 'spec.driver: sample'],
    ...SCALITY_REVISIONS.map(
      (r) => [`scality@${r.commit}`, r.recipe, `spec.driver: scality@${r.commit} (${r.describe})`] as const,
    ),
    ['versitygw', VERSITYGW, 'the S3 (and IAM) server of the sample and Scality drivers'],
  ] as const;
  for (const [label, recipe, use] of realDrivers) {
    const r = resolveBinary({ name: recipe.name, version: recipe.version });
    log(
      `real driver ${label.padEnd(17)} ${r.source === 'missing' ? `not built yet: built on first use (${use}) from ${recipe.origin}` : `${r.path} (${r.detail})`}`,
    );
  }
  log(
    `go env:         GOPROXY=${(await versionOf('go', ['env', 'GOPROXY'])) ?? '?'} GONOSUMDB=${(await versionOf('go', ['env', 'GONOSUMDB'])) || '(unset)'}`,
  );
  log(
    '                COSI modules missing from the checksum database (the v0.2.x submodules, pseudo-versions served by a\n' +
      '                private or file proxy) need GONOSUMDB=sigs.k8s.io/container-object-storage-interface* to build',
  );
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
