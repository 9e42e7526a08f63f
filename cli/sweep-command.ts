import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  BUILTIN_VARIANTS,
  inReleaseOrder,
  MATRIX_RPCS,
  type MatrixCell,
  type MatrixRpc,
  NON_OK_CODES,
  type NonOkCode,
  parseDuration,
  planSweep,
  type RunProgress,
  type RunResults,
  type SidecarVariant,
  type VersionSweep,
  versionSweep,
} from '../harness/index.ts';
import { renderSweepJson, renderSweepMarkdown, renderSweepText } from '../reports/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { listFlag } from './list-flag.ts';
import { matrixEnvironmentKey, shardFlag, shardPlan, variantIdentity } from './matrix-command.ts';
import { planesFlag } from './planes-flag.ts';
import { executeSuite } from './run-lifecycle.ts';

/** `--pattern`: which failure patterns each cell runs with. */
export const SWEEP_PATTERNS: Record<string, readonly MatrixCell['pattern'][]> = {
  always: ['always'],
  'then-ok': ['then-ok'],
  both: ['always', 'then-ok'],
};

// The v1alpha1 sidecars resync every 30 s and cap their backoff at 30 s: in a shorter window a code retried
// only at the next resync reads as terminal.
const MIN_TRUSTED_WINDOW_MS = 30_000;

export interface SweepFlags {
  codes?: string;
  rpcs?: string;
  only?: string;
  window: string;
  out: string;
  pattern: string;
  shard?: string;
  /** The most control planes at once (reused between groups). */
  planes?: string;
}

/**
 * Tabulates a sweep's results over `variants` (oldest release first) and writes sweep.md and sweep.json into
 * outDir; `sweep` and `report merge` of sweep shards share it.
 */
export async function writeSweepOutputs(
  outDir: string,
  results: RunResults,
  variants: readonly SidecarVariant[],
): Promise<VersionSweep> {
  const sweep = versionSweep(
    results,
    variants.map((v) => v.name),
    new Map(variants.map((v) => [v.name, v.neverCalls ?? []])),
  );
  await writeFile(join(outDir, 'sweep.md'), renderSweepMarkdown(sweep));
  await writeFile(join(outDir, 'sweep.json'), renderSweepJson(sweep));
  return sweep;
}

/**
 * `cosi-chaos sweep`: the error-code matrix over every upstream release at once (each release in its own control
 * planes), measured without policies, and per cell the first release in which it is terminal. Writes results.json
 * and its reports, then sweep.md and sweep.json, before deciding the exit code: 0 when every cell x release was
 * measured, 1 when one was not (release unavailable here, or its trigger never happened), 130 interrupted.
 */
export async function sweepCommand(
  flags: SweepFlags,
  log: (s: string) => void,
  progress: RunProgress,
): Promise<number> {
  const shardSpec = shardFlag(flags.shard);
  const windowMs = parseDuration(flags.window);
  const planes = planesFlag(flags.planes);
  if (!windowMs) throw new UsageError(`--window "${flags.window}" is not a duration like 60s`);
  const patterns = SWEEP_PATTERNS[flags.pattern];
  if (!patterns)
    throw new UsageError(
      `--pattern "${flags.pattern}" is not one of ${Object.keys(SWEEP_PATTERNS).join(', ')}`,
    );
  const codes = listFlag<NonOkCode>(flags.codes, NON_OK_CODES, 'codes');
  const rpcs = listFlag<MatrixRpc>(flags.rpcs, MATRIX_RPCS, 'rpcs');
  let variants = inReleaseOrder(BUILTIN_VARIANTS);
  if (flags.only) {
    const names = listFlag(
      flags.only,
      variants.map((v) => v.name),
      'only',
    );
    variants = variants.filter((v) => names.includes(v.name));
  }
  if (windowMs < MIN_TRUSTED_WINDOW_MS)
    log(
      `warning: --window ${flags.window} is shorter than the v1alpha1 sidecars' 30 s resync and backoff cap: ` +
        'a code they retry only that late shows as terminal',
    );
  const names = variants.map((v) => v.name);
  const outDir = resolve(flags.out);
  const planned = planSweep({ codes, rpcs, patterns, windowMs, variants: names });
  const { scenarios, shard } = shardPlan(planned, shardSpec, {
    command: 'sweep',
    options: { variants: await Promise.all(variants.map(variantIdentity)) },
  });
  if (shard) log(`shard ${shard.index}/${shard.count}: ${scenarios.length} of ${planned.length} cells`);
  const run = await executeSuite(log, {
    scenarios,
    shard,
    variants,
    windowMs,
    // The sweep's table is each cell's behaviour over the whole window (first terminal release): never decided early.
    full: true,
    outDir,
    progress,
    ...(planes ? { planes } : {}),
    environmentKey: matrixEnvironmentKey,
  });
  const sweep = await writeSweepOutputs(outDir, run.results, variants);
  log(renderSweepText(sweep));
  log(
    `\nresults: ${run.resultsFile} (+ .md, .junit.xml, .html), ${join(outDir, 'sweep.md')} (+ .json); ` +
      `wall time ${run.seconds.toFixed(1)} s`,
  );
  if (run.interrupted) return EXIT.interrupted;
  return sweep.complete ? EXIT.ok : EXIT.expectationFailed;
}
