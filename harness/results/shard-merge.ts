// `report merge`: the results of a matrix or sweep run on N machines (`--shard I/N`) joined into the run one
// machine would have made. Pure: reads nothing, writes nothing.
import type { ComponentVersion, MatrixCell, RunResults, ScenarioResult, ShardRecord } from './run-results.ts';

/** One shard's results and the file they came from (every error names the file). */
export interface ShardInput {
  file: string;
  results: RunResults;
}

/** The split the shards were run with: the shard (1..count) of each cell (harness/matrix/cell-shard.ts). */
export type ShardAssignment = (cells: readonly MatrixCell[], count: number) => number[];

/**
 * Why shards cannot be merged: a file that is no shard, shards of different runs (plan, N, versions, options),
 * a shard given twice or missing, an interrupted shard, or a cell held twice or by no shard. `files` names the
 * files concerned; the message says which shard or cell and what to do.
 */
export class ShardMergeError extends Error {
  override readonly name = 'ShardMergeError';
  constructor(
    readonly problem: 'not-a-shard' | 'different-runs' | 'duplicate' | 'missing' | 'interrupted',
    readonly files: string[],
    message: string,
  ) {
    super(message);
  }
}

const cellText = (c: MatrixCell) => `${c.rpc} ${c.code} ${c.pattern}`;
const cellKey = (c: MatrixCell) => `${c.rpc}\u0000${c.code}\u0000${c.pattern}`;

interface Shard {
  file: string;
  results: RunResults;
  shard: ShardRecord;
  name: string;
}

// Everything that must agree for the shards to be parts of one run, each with how to show it.
const SAME_RUN: [string, (s: Shard) => unknown][] = [
  ['shard count N', (s) => s.shard.count],
  ['command', (s) => s.shard.command],
  ['plan (cells, variants, policies, window, options)', (s) => s.shard.plan],
  ['--allow-unavailable', (s) => s.shard.allowUnavailable === true],
  ['cosi-chaos version', (s) => s.results.tool.version],
  ['backend', (s) => s.results.backend],
  ['window', (s) => s.results.windowMs],
  ['early decisions (--full)', (s) => s.results.earlyDecisions === true],
];

function shardsOf(inputs: readonly ShardInput[]): Shard[] {
  if (inputs.length === 0) throw new ShardMergeError('missing', [], 'no shard results to merge');
  return inputs.map(({ file, results }) => {
    const shard = results.shard;
    if (!shard)
      throw new ShardMergeError(
        'not-a-shard',
        [file],
        `${file} is not a shard's results (no "shard"): run matrix or sweep with --shard I/N`,
      );
    return { file, results, shard, name: `${file} (shard ${shard.index}/${shard.count})` };
  });
}

function checkSameRun(shards: Shard[]): void {
  const [first, ...rest] = shards as [Shard, ...Shard[]];
  for (const other of rest)
    for (const [what, of] of SAME_RUN)
      if (of(other) !== of(first))
        throw new ShardMergeError(
          'different-runs',
          [first.file, other.file],
          `${first.file} and ${other.file} are not shards of one run: ${what} differs (${String(of(first))} vs ${String(of(other))})`,
        );
  // The same component must be the same build on every machine (where it lies may differ).
  const seen = new Map<string, { c: ComponentVersion; file: string }>();
  for (const s of shards)
    for (const c of s.results.components) {
      const known = seen.get(c.name);
      if (!known) seen.set(c.name, { c, file: s.file });
      else if (known.c.version !== c.version)
        throw new ShardMergeError(
          'different-runs',
          [known.file, s.file],
          `${known.file} and ${s.file} are not shards of one run: ${c.name} is ${known.c.version} in one and ${c.version} in the other`,
        );
    }
}

function checkEveryShardOnce(shards: Shard[]): void {
  const count = (shards[0] as Shard).shard.count;
  const byIndex = new Map<number, Shard>();
  for (const s of shards) {
    if (s.shard.index > count)
      throw new ShardMergeError('different-runs', [s.file], `${s.name}: index beyond the count`);
    const twice = byIndex.get(s.shard.index);
    if (twice)
      throw new ShardMergeError(
        'duplicate',
        [twice.file, s.file],
        `shard ${s.shard.index}/${count} is given twice: ${twice.file} and ${s.file}`,
      );
    byIndex.set(s.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new ShardMergeError(
      'missing',
      shards.map((s) => s.file),
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: ` +
        `give the results of all ${count} shards (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`,
    );
  for (const s of shards)
    if (s.shard.interrupted)
      throw new ShardMergeError(
        'interrupted',
        [s.file],
        `${s.name} was interrupted: its results are partial; run that shard again`,
      );
}

/**
 * Each shard's results grouped by cell, checked against the split: a cell in two shards, a cell of another
 * shard or none of the plan, and a cell of the plan no shard holds are refused, each named.
 */
function resultsByCell(shards: Shard[], assign: ShardAssignment): Map<string, ScenarioResult[]> {
  const { planCells, count } = (shards[0] as Shard).shard;
  const assigned = assign(planCells, count);
  const shardOf = new Map(planCells.map((c, i) => [cellKey(c), assigned[i] as number]));
  const holder = new Map<string, Shard>();
  const byCell = new Map<string, ScenarioResult[]>();
  for (const s of shards) {
    for (const r of s.results.scenarios) {
      if (!r.cell)
        throw new ShardMergeError(
          'different-runs',
          [s.file],
          `${s.name}: result ${r.scenario} (${r.variant}) is no matrix cell`,
        );
      const key = cellKey(r.cell);
      const other = holder.get(key);
      if (other && other !== s)
        throw new ShardMergeError(
          'duplicate',
          [other.file, s.file],
          `cell ${cellText(r.cell)} is in two shards: ${other.name} and ${s.name}`,
        );
      const expected = shardOf.get(key);
      if (expected === undefined)
        throw new ShardMergeError(
          'different-runs',
          [s.file],
          `${s.name} holds cell ${cellText(r.cell)}, which is not in the plan`,
        );
      if (expected !== s.shard.index)
        throw new ShardMergeError(
          'different-runs',
          [s.file],
          `${s.name} holds cell ${cellText(r.cell)}, which the split gives to shard ${expected}/${count}`,
        );
      holder.set(key, s);
      const results = byCell.get(key) ?? [];
      results.push(r);
      byCell.set(key, results);
    }
  }
  const byIndex = new Map(shards.map((s) => [s.shard.index, s]));
  for (const [i, c] of planCells.entries()) {
    if (byCell.has(cellKey(c))) continue;
    const owner = byIndex.get(assigned[i] as number) as Shard;
    throw new ShardMergeError(
      'missing',
      [owner.file],
      `${owner.name} has no result for cell ${cellText(c)}: run that shard again`,
    );
  }
  return byCell;
}

/**
 * Joins the results of every shard of one matrix or sweep run into the results of the whole run: every cell once,
 * in plan order (each cell's variants in their order), as one unsharded run lists them. The fields that
 * legitimately differ from an unsharded run: startedAt (the earliest shard's start), finishedAt (the latest
 * shard's end), components (the union, first shard first; where a binary lay is the first shard's), no
 * `shard`, and `mergedFrom` naming the shards. Throws ShardMergeError for anything that is not one whole run.
 */
export function mergeShards(inputs: readonly ShardInput[], assign: ShardAssignment): RunResults {
  const shards = shardsOf(inputs);
  checkSameRun(shards);
  checkEveryShardOnce(shards);
  const byCell = resultsByCell(shards, assign);
  shards.sort((a, b) => a.shard.index - b.shard.index);
  const [first] = shards as [Shard, ...Shard[]];
  // Each shard's instants, earliest first.
  const inOrder = (pick: (r: RunResults) => string) =>
    shards.map((s) => pick(s.results)).sort((a, b) => Date.parse(a) - Date.parse(b)) as [string, ...string[]];
  const components: ComponentVersion[] = [];
  for (const s of shards)
    for (const c of s.results.components)
      if (!components.some((k) => k.name === c.name && k.source === c.source)) components.push(c);
  const loadErrors = shards
    .flatMap((s) => s.results.loadErrors)
    .filter((e, i, all) => all.findIndex((x) => x.file === e.file && x.message === e.message) === i);
  const { shard: _shard, timing: _timing, ...whole } = first.results;
  return {
    ...whole,
    startedAt: inOrder((r) => r.startedAt)[0],
    finishedAt: inOrder((r) => r.finishedAt).at(-1) as string,
    components,
    scenarios: first.shard.planCells.flatMap((c) => byCell.get(cellKey(c)) ?? []),
    loadErrors,
    mergedFrom: {
      command: first.shard.command,
      plan: first.shard.plan,
      count: first.shard.count,
      shards: shards.map((s) => ({
        index: s.shard.index,
        startedAt: s.results.startedAt,
        finishedAt: s.results.finishedAt,
      })),
    },
  };
}
