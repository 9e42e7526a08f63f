// The split of a matrix or sweep plan over CI machines (`--shard I/N`): which cells one machine runs.
import { createHash } from 'node:crypto';
import type { MatrixCell } from '../results/run-results.ts';

/** One part of a sharded run: `index` of `count`, 1-based. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * The control-plane group of a cell: the matrix runs every variant's cells of one RPC in one control plane
 * (cli matrixEnvironmentKey), so cells of one RPC kept together start no plane twice.
 */
export function cellGroup(cell: MatrixCell): string {
  return cell.rpc;
}

/** A cell's sort key; plain code-unit order (no locale), so every machine sorts alike. */
function cellKey(cell: MatrixCell): string {
  return `${cellGroup(cell)}\u0000${cell.code}\u0000${cell.pattern}`;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The shard (1..count) of each cell, aligned with `cells`. The cells are sorted by group (RPC), then code, then
 * pattern, and cut into `count` contiguous runs whose sizes differ by at most one: balanced, independent of the
 * order the cells come in, and each shard holds whole groups except where a cut falls inside one (at most
 * count - 1 groups are split, so the shards together start at most count - 1 control planes per variant more
 * than one unsharded run; none for count 2 or 4 on the full matrix). Depends only on the set of cells and count.
 * Throws on a cell given twice.
 */
export function assignShards(cells: readonly MatrixCell[], count: number): number[] {
  const keys = cells.map(cellKey);
  if (new Set(keys).size !== keys.length) throw new Error('assignShards: a cell is given twice');
  const order = keys.map((k, i) => ({ k, i })).sort((a, b) => byCodeUnits(a.k, b.k));
  const shards = new Array<number>(cells.length);
  order.forEach(({ i }, position) => {
    shards[i] = Math.floor((position * count) / cells.length) + 1;
  });
  return shards;
}

/** The cells of `shard`, in plan order (an empty list only when count exceeds the cells). */
export function cellsOfShard<T extends { cell?: MatrixCell }>(planned: readonly T[], shard: ShardSpec): T[] {
  const cells = planned.map((s) => {
    if (!s.cell) throw new Error('cellsOfShard: a planned scenario has no matrix cell');
    return s.cell;
  });
  const shards = assignShards(cells, shard.count);
  return planned.filter((_, i) => shards[i] === shard.index);
}

/**
 * A short digest of everything that makes two shards parts of one run: the planned scenarios (cells, rules,
 * each variant's expectation and window) and the run's options. Stable across machines for the same input.
 */
export function planDigest(plan: unknown): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}
