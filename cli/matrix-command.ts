import { resolve } from 'node:path';
import type { RunResults, Scenario, ShardRecord, SidecarVariant } from '../harness/index.ts';
import {
  builtinMatrixVariants,
  cellsOfShard,
  defaultMatrixVariants,
  loadPolicy,
  MATRIX_RPCS,
  type MatrixRpc,
  NON_OK_CODES,
  type NonOkCode,
  parseDuration,
  parseTimeScale,
  patchKey,
  planDigest,
  planMatrix,
  policyFileFor,
  type RetryPolicy,
  type RunProgress,
  type ShardSpec,
  userVariant,
  withTimeScale,
} from '../harness/index.ts';
import { runTimingLine } from '../reports/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { listFlag } from './list-flag.ts';
import { renderMatrixTable } from './matrix-table.ts';
import { planesFlag } from './planes-flag.ts';
import { executeSuite } from './run-lifecycle.ts';

export interface MatrixFlags {
  variant?: string[];
  policy?: string[];
  base?: string;
  only?: string;
  codes?: string;
  rpcs?: string;
  window: string;
  full?: boolean;
  out: string;
  allowUnavailable?: boolean;
  shard?: string;
  /** Divisor of a patch's bounded-retry waits (tiered-fix; default DEFAULT_TIME_SCALE); 1 measures real time. */
  timeScale?: string;
  /** The most control planes at once (reused between groups). */
  planes?: string;
}

/** `--shard I/N`: this machine's part of a matrix or sweep (1 <= I <= N); unset, the whole run. */
export function shardFlag(flag: string | undefined): ShardSpec | undefined {
  if (flag === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(flag.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(count) || index < 1 || index > count)
    throw new UsageError(`--shard "${flag}" is not I/N with 1 <= I <= N (e.g. --shard 1/4)`);
  return { index, count };
}

/**
 * The planned scenarios this machine runs, and the shard record its results carry (cell-shard.ts splits the
 * cells); the whole plan when unsharded. `options` are the run's settings beyond the plan that shards must share.
 */
export function shardPlan(
  planned: Scenario[],
  spec: ShardSpec | undefined,
  run: { command: ShardRecord['command']; allowUnavailable?: boolean; options: unknown },
): { scenarios: Scenario[]; shard?: ShardRecord } {
  if (!spec) return { scenarios: planned };
  if (spec.count > planned.length)
    throw new UsageError(
      `--shard ${spec.index}/${spec.count}: the plan has only ${planned.length} cell(s), fewer than ${spec.count} shards`,
    );
  const { command, allowUnavailable, options } = run;
  return {
    scenarios: cellsOfShard(planned, spec),
    shard: {
      ...spec,
      command,
      ...(allowUnavailable ? { allowUnavailable } : {}),
      plan: planDigest({ command, allowUnavailable: allowUnavailable === true, options, planned }),
      planCells: planned.map((s) => s.cell as NonNullable<Scenario['cell']>),
    },
  };
}

/**
 * What a variant is, the same on every machine (for the plan digest): its sidecar and controller builds, a patch by
 * its content (not its path). A user binary is known by its name only.
 */
export async function variantIdentity(v: SidecarVariant): Promise<Record<string, string>> {
  return {
    name: v.name,
    sidecar: v.recipe?.origin ?? 'user binary',
    controller: v.controller.origin,
    ...(v.patchFile && v.recipe ? { patch: await patchKey(v.recipe, v.patchFile) } : {}),
  };
}

/** The matrix's gate: 0 when every cell conforms (a skipped variant fails it unless allowUnavailable). */
export function matrixExitCode(results: RunResults, allowUnavailable: boolean): number {
  const bad = results.scenarios.filter((r) =>
    r.verdict === 'skipped' ? !allowUnavailable : r.policy?.conforms !== true,
  );
  return bad.length ? EXIT.expectationFailed : EXIT.ok;
}

/**
 * Which control plane a cell runs in: one set per variant, split by RPC. The v0.1 controller
 * and sidecars talk to the API through client-go's default 5 requests/s: with every variant's cells in one control
 * plane, the one controller's limiter (and its claim-write conflicts with the sidecars) decided which cells were
 * ever set up, not the retry policy. grant x AlreadyExists crashes the v0.1 sidecar (nil response dereferenced):
 * those cells get their own, so a crash loop cannot disturb the other cells (nor each other). So do a bounded
 * policy's cells, whose intervals are the check.
 */
export function matrixEnvironmentKey(s: Scenario, v: SidecarVariant): string {
  const cell = s.cell;
  if (!cell) return `${v.name}/matrix`;
  // The v1alpha2 sidecar answers AlreadyExists terminally (no nil dereference): nothing to isolate.
  if (cell.rpc === 'grant' && cell.code === 'AlreadyExists' && v.era === 'v1alpha1')
    return `${v.name}/grant-crash-isolated-${cell.pattern}`;
  // A bounded cell's check is its waits. Beside the RPC's 28 other cells the sidecar's 5 requests/s client held the
  // reads before a retry's driver call for up to 1.4 s (its log: "Waited for 1.43s due to client-side throttling"),
  // which time compression does not shrink: they get a plane of their own per RPC.
  if (s.variants.find((sv) => sv.sidecar === v.name)?.declared === 'bounded')
    return `${v.name}/${cell.rpc}-bounded`;
  return `${v.name}/${cell.rpc}`;
}

/**
 * `cosi-chaos matrix`: every variant over the 16 non-OK codes x create/delete/grant/revoke, each code on every
 * call and 3 times then OK, in one window; measured against each variant's declared policy. Exit 0 only when
 * every cell conforms (the CI gate).
 */
export async function matrixCommand(
  flags: MatrixFlags,
  log: (s: string) => void,
  progress: RunProgress,
): Promise<number> {
  const shardSpec = shardFlag(flags.shard);
  const windowMs = parseDuration(flags.window);
  const planes = planesFlag(flags.planes);
  if (!windowMs) throw new UsageError(`--window "${flags.window}" is not a duration like 60s`);
  const codes = listFlag<NonOkCode>(flags.codes, NON_OK_CODES, 'codes');
  const rpcs = listFlag<MatrixRpc>(flags.rpcs, MATRIX_RPCS, 'rpcs');
  const timeScale = parseTimeScale(flags.timeScale);
  if (typeof timeScale === 'string') throw new UsageError(timeScale);
  let variants: SidecarVariant[] = withTimeScale(builtinMatrixVariants(), timeScale);
  const base = variants.find((v) => v.name === (flags.base ?? 'upstream-v1alpha1'));
  if (!base)
    throw new UsageError(`--base "${flags.base}" is not one of ${variants.map((v) => v.name).join(', ')}`);
  for (const spec of flags.variant ?? []) {
    const v = userVariant(spec, base);
    if (typeof v === 'string') throw new UsageError(v);
    if (variants.some((x) => x.name === v.name))
      throw new UsageError(`--variant ${v.name}: a variant of that name exists`);
    variants.push(v);
  }
  if (flags.only) {
    const names = flags.only.split(',').map((s) => s.trim());
    for (const n of names)
      if (!variants.some((v) => v.name === n)) throw new UsageError(`--only "${n}" is not a variant`);
    variants = variants.filter((v) => names.includes(v.name));
  } else {
    const optIn = new Set(builtinMatrixVariants().map((v) => v.name));
    for (const v of defaultMatrixVariants()) optIn.delete(v.name);
    variants = variants.filter((v) => !optIn.has(v.name));
  }
  const explicit = new Map<string, string>();
  for (const p of flags.policy ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--policy "${p}": expected NAME=FILE`);
    explicit.set(p.slice(0, eq), p.slice(eq + 1));
  }
  const policies = new Map<string, RetryPolicy>();
  for (const v of variants) {
    const file = policyFileFor(v.name, explicit);
    if (!file)
      throw new UsageError(
        `variant ${v.name} declares no retry policy: give --policy ${v.name}=FILE (see patches/policies/)`,
      );
    policies.set(v.name, await loadPolicy(file));
  }
  const timeScales = new Map(variants.flatMap((v) => (v.timeScale ? [[v.name, v.timeScale] as const] : [])));
  const planned = planMatrix({ codes, rpcs, windowMs, policies, timeScales });
  const { scenarios, shard } = shardPlan(planned, shardSpec, {
    command: 'matrix',
    allowUnavailable: flags.allowUnavailable === true,
    options: {
      variants: await Promise.all(variants.map(variantIdentity)),
      full: flags.full === true,
      timeScales: Object.fromEntries(timeScales),
    },
  });
  if (shard) log(`shard ${shard.index}/${shard.count}: ${scenarios.length} of ${planned.length} cells`);
  const run = await executeSuite(log, {
    scenarios,
    shard,
    variants,
    windowMs,
    full: flags.full === true,
    outDir: resolve(flags.out),
    progress,
    ...(planes ? { planes } : {}),
    environmentKey: matrixEnvironmentKey,
  });
  const { results, resultsFile, seconds } = run;
  log(renderMatrixTable(results));
  log(`\nresults: ${resultsFile} (+ .md, .junit.xml, .html); wall time ${seconds.toFixed(1)} s`);
  if (results.timing) log(runTimingLine(results.timing));
  if (run.interrupted) return EXIT.interrupted;
  return matrixExitCode(results, flags.allowUnavailable === true);
}
