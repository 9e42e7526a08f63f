import { performance } from 'node:perf_hooks';
import {
  BuildError,
  BuildPool,
  buildPatched,
  builtinMatrixVariants,
  ETCD,
  type GoBuildRecipe,
  KUBE_APISERVER,
  provisionBinary,
  RUN_VARIANTS,
  SAMPLE_COSI_DRIVER,
  SCALITY_REVISIONS,
  unavailableReason,
  VERSITYGW,
} from '../harness/index.ts';
import { NODE_CLUSTER_RECIPES } from '../harness/node-cluster/index.ts';
import { countFlag } from './count-flag.ts';
import { EXIT } from './exit-codes.ts';

export interface BuildFlags {
  /** Also the real drivers, the matrix's variants and the single-node cluster: everything `npm test` runs. */
  all?: boolean;
  jobs?: string;
}

export interface BuildTarget {
  label: string;
  recipe: GoBuildRecipe;
  patchFile?: string;
  /** Seconds spent building (0 when the cache had it, or another process built it meanwhile). */
  build: () => Promise<{ path: string; seconds: number }>;
}

const plain = (label: string, recipe: GoBuildRecipe): BuildTarget => ({
  label,
  recipe,
  build: async () => {
    const b = await provisionBinary(recipe);
    return { path: b.path, seconds: b.buildSeconds };
  },
});

/**
 * What to build, most needed first: a run's control plane and releases, then (with --all) the patched builds,
 * the real drivers and the node cluster, whose tests run last. One entry per binary.
 */
export function buildTargets(all: boolean): BuildTarget[] {
  const targets: BuildTarget[] = [];
  const seen = new Set<string>();
  const add = (label: string, recipe: GoBuildRecipe, patchFile?: string) => {
    const key = `${recipe.name}@${recipe.version}${patchFile ? `+${patchFile}` : ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    targets.push(
      patchFile
        ? { label, recipe, patchFile, build: () => buildPatched(recipe, patchFile) }
        : plain(label, recipe),
    );
  };
  add('etcd', ETCD);
  add('kube-apiserver', KUBE_APISERVER);
  const variants = all ? [...RUN_VARIANTS, ...builtinMatrixVariants()] : RUN_VARIANTS;
  for (const v of variants) {
    if (v.recipe) add(`sidecar ${v.name}`, v.recipe, v.patchFile);
    add(`controller of ${v.name}`, v.controller);
  }
  if (all) {
    for (const r of SCALITY_REVISIONS) add(`Scality driver ${r.commit}`, r.recipe);
    add('versitygw', VERSITYGW);
    add('sample driver', SAMPLE_COSI_DRIVER);
    // etcd and kube-apiserver are in already (added once).
    for (const r of Object.values(NODE_CLUSTER_RECIPES)) add(r.name, r);
  }
  return targets;
}

/**
 * `cosi-chaos build`: builds every pinned component a run needs into the cache now, a few at a time (a CI job's
 * cache step, or a build started beside the tests). Exit 0 when all are there, 3 when one failed.
 */
export async function buildCommand(flags: BuildFlags, log: (line: string) => void): Promise<number> {
  const pool = new BuildPool(countFlag('--jobs', flags.jobs, 'builds at once'));
  const targets = buildTargets(flags.all === true);
  log(`building ${targets.length} component(s), ${pool.limit} at a time`);
  const started = performance.now();
  const outcomes = await Promise.all(
    targets.map((t) =>
      pool.run(async () => {
        try {
          const b = await t.build();
          log(b.seconds > 0 ? `built  ${t.label} in ${b.seconds} s` : `found  ${t.label}`);
          return { ok: true as const, built: b.seconds > 0 };
        } catch (err) {
          const reason =
            err instanceof BuildError ? unavailableReason(err) : (err as Error).message.split('\n')[0];
          log(`FAILED ${t.label}: ${reason}`);
          return { ok: false as const, built: false };
        }
      }),
    ),
  );
  const failed = outcomes.filter((o) => !o.ok).length;
  log(
    `${outcomes.filter((o) => o.built).length} built, ${outcomes.filter((o) => o.ok && !o.built).length} found, ${failed} failed in ${Math.round((performance.now() - started) / 1000)} s`,
  );
  return failed ? EXIT.infrastructure : EXIT.ok;
}
