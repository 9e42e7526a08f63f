import type { Era, GrpcCodeName, MatrixCell, Rpc, ScenarioResult } from '../harness/results/run-results.ts';
import { groupBy } from './result-key.ts';

/** Matrix columns in the order the issue asks for; other RPCs, if a matrix ever covers them, come after. */
const RPC_ORDER: readonly Rpc[] = ['create', 'delete', 'grant', 'revoke', 'getInfo', 'getExisting'];

/** One variant's matrix for one failure pattern: rows are codes, columns RPCs, in the order the run used. */
export interface MatrixGrid {
  variant: string;
  era: Era;
  pattern: MatrixCell['pattern'];
  codes: GrpcCodeName[];
  rpcs: Rpc[];
  /** The result for a code and RPC, if the run covered that cell. */
  at(code: GrpcCodeName, rpc: Rpc): ScenarioResult | undefined;
}

/**
 * The matrix results (those with a cell) as grids, one per variant and pattern, shared by the Markdown and HTML
 * writers. Codes keep first-seen order; the four COSI RPCs are always columns, other RPCs only when present.
 */
export function matrixGrids(results: readonly ScenarioResult[]): MatrixGrid[] {
  const cells = results.filter((r): r is ScenarioResult & { cell: MatrixCell } => r.cell !== undefined);
  const grids: MatrixGrid[] = [];
  for (const [, byVariant] of groupBy(cells, (r) => r.variant)) {
    for (const [, group] of groupBy(byVariant, (r) => r.cell.pattern)) {
      const first = group[0];
      if (!first) continue;
      const present = new Set(group.map((r) => r.cell.rpc));
      const index = new Map(group.map((r) => [`${r.cell.code}\u0000${r.cell.rpc}`, r]));
      grids.push({
        variant: first.variant,
        era: first.era,
        pattern: first.cell.pattern,
        codes: [...new Set(group.map((r) => r.cell.code))],
        rpcs: RPC_ORDER.filter((rpc, i) => i < 4 || present.has(rpc)),
        at: (code, rpc) => index.get(`${code}\u0000${rpc}`),
      });
    }
  }
  return grids;
}
