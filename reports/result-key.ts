import type { MatrixCell, ScenarioResult } from '../harness/results/run-results.ts';

/** A matrix cell as one token: 'create/InvalidArgument/always'. */
export function cellLabel(cell: MatrixCell): string {
  return `${cell.rpc}/${cell.code}/${cell.pattern}`;
}

/** 'variant' or 'variant/rpc/code/pattern': the JUnit test name and the row label in timelines. */
export function variantLabel(result: ScenarioResult): string {
  return result.cell ? `${result.variant}/${cellLabel(result.cell)}` : result.variant;
}

/** Identifies one result across runs: scenario + variant (+ cell). Used to pair results when comparing. */
export function resultKey(result: ScenarioResult): string {
  return `${result.scenario} :: ${variantLabel(result)}`;
}

/** Groups results by a key, preserving first-seen order of keys and of results within each group. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
