import type {
  GrpcCodeName,
  MatrixCell,
  Rpc,
  RunResults,
  ScenarioResult,
} from '../harness/results/run-results.ts';
import { attemptsMoved } from './compare.ts';
import { cellLabel } from './result-key.ts';

/** Why two results files cannot be compared for a PR: no variant to pick, or an ambiguous one. */
export class PrComparisonError extends Error {
  override readonly name = 'PrComparisonError';
}

/** One cell (matrix) or scenario (run) as measured on the base and on the patched variant. */
export interface PrCellPair {
  /** scenario (+ ' :: rpc/code/pattern' for matrix cells): the same in both files. */
  key: string;
  scenario: string;
  rpc: Rpc;
  /** The code the driver answered: the matrix cell's, or for a run the dominant non-OK code of its attempts. */
  code: GrpcCodeName;
  pattern?: MatrixCell['pattern'];
  base?: ScenarioResult;
  patched?: ScenarioResult;
  /**
   * Outcome changed, or the attempt count moved beyond noise (compare.ts attemptsMoved) where the outcome is not
   * unbounded on both sides; both sides measured.
   */
  changed: boolean;
  /** One side never reached the driver or could not run: nothing to compare, whatever the other side did. */
  unmeasured: boolean;
}

/** A fix PR's evidence: what the patched variant does differently from the base, cell by cell. */
export interface PrComparison {
  baseVariant: string;
  patchedVariant: string;
  base: { startedAt: string; toolVersion: string; sidecar?: string };
  patched: { startedAt: string; toolVersion: string; sidecar?: string };
  pairs: PrCellPair[];
  changed: PrCellPair[];
  /** Patched results that disagree with their declared policy (matrix) or fail their expectation (run). */
  disagreeing: PrCellPair[];
  /** Cells only one side has. */
  unpaired: PrCellPair[];
  /** Cells both sides have where one side was never called or unavailable (its reason is in verdictReason). */
  unmeasured: PrCellPair[];
}

const NOT_MEASURED = new Set<ScenarioResult['outcome']>(['never-called', 'unavailable']);

/** Which variant of each file to compare; defaults are picked by pickVariants. */
export interface PrVariantChoice {
  baseVariant?: string;
  patchedVariant?: string;
}

// The upstream builds a patch is usually made against, in the order they are preferred as the default base.
const UPSTREAM_BASES = ['upstream-v1alpha1', 'v1alpha1-cosi86'];

function variantsOf(results: RunResults): string[] {
  return [...new Set(results.scenarios.map((r) => r.variant))];
}

/**
 * The base and patched variant: as given, else the only variant of each file, else the upstream build in the
 * base file and the one other variant of the patched file. Throws PrComparisonError naming the choices.
 */
export function pickVariants(
  base: RunResults,
  patched: RunResults,
  choice: PrVariantChoice = {},
): { baseVariant: string; patchedVariant: string } {
  const inBase = variantsOf(base);
  const inPatched = variantsOf(patched);
  const baseVariant =
    choice.baseVariant ??
    (inBase.length === 1 ? inBase[0] : UPSTREAM_BASES.find((name) => inBase.includes(name)));
  if (!baseVariant || !inBase.includes(baseVariant)) {
    throw new PrComparisonError(
      `${choice.baseVariant ? `--base-variant ${choice.baseVariant} is not in the base results` : 'the base results hold several variants'}: ` +
        `give --base-variant, one of ${inBase.join(', ') || '(none)'}`,
    );
  }
  const others = inPatched.filter((v) => v !== baseVariant);
  const patchedVariant =
    choice.patchedVariant ??
    (inPatched.length === 1 ? inPatched[0] : others.length === 1 ? others[0] : undefined);
  if (!patchedVariant || !inPatched.includes(patchedVariant)) {
    throw new PrComparisonError(
      `${choice.patchedVariant ? `--patched-variant ${choice.patchedVariant} is not in the patched results` : 'the patched results hold several variants'}: ` +
        `give --patched-variant, one of ${inPatched.join(', ') || '(none)'}`,
    );
  }
  return { baseVariant, patchedVariant };
}

function dominantCode(list: readonly (ScenarioResult | undefined)[]): GrpcCodeName {
  const counts = new Map<string, number>();
  for (const r of list)
    for (const a of r?.attempts ?? []) if (a.code !== 'OK') counts.set(a.code, (counts.get(a.code) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'OK';
}

function pairKey(r: ScenarioResult): string {
  return r.cell ? `${r.scenario} :: ${cellLabel(r.cell)}` : r.scenario;
}

function sidecarOf(results: RunResults, variant: string): string | undefined {
  const c = results.components.find((x) => x.name === `sidecar ${variant}`);
  if (!c) return undefined;
  // A user binary has no version of its own: its path is all that says which build it was.
  return c.source.startsWith('built from') || !c.path
    ? `${c.version} (${c.source})`
    : `${c.version} (${c.source}: ${c.path})`;
}

/**
 * Pairs the base variant's results with the patched variant's by scenario (+ matrix cell), across two files or
 * within one matrix file, and marks what changed and what still disagrees. Order follows the base file.
 */
export function comparePr(base: RunResults, patched: RunResults, choice: PrVariantChoice = {}): PrComparison {
  const { baseVariant, patchedVariant } = pickVariants(base, patched, choice);
  const before = new Map<string, ScenarioResult>();
  for (const r of base.scenarios)
    if (r.variant === baseVariant && !before.has(pairKey(r))) before.set(pairKey(r), r);
  const after = new Map<string, ScenarioResult>();
  for (const r of patched.scenarios)
    if (r.variant === patchedVariant && !after.has(pairKey(r))) after.set(pairKey(r), r);
  const keys = [...before.keys(), ...[...after.keys()].filter((k) => !before.has(k))];
  const pairs = keys.map((key): PrCellPair => {
    const b = before.get(key);
    const p = after.get(key);
    const any = (b ?? p) as ScenarioResult;
    const unmeasured =
      b !== undefined && p !== undefined && (NOT_MEASURED.has(b.outcome) || NOT_MEASURED.has(p.outcome));
    const pair: PrCellPair = {
      key,
      scenario: any.scenario,
      rpc: any.cell?.rpc ?? any.rpc,
      code: any.cell?.code ?? dominantCode([b, p]),
      changed:
        b !== undefined &&
        p !== undefined &&
        !unmeasured &&
        (b.outcome !== p.outcome ||
          // Two unbounded loops differ in count only by when the decider stopped watching (6+ attempts).
          (b.outcome !== 'unbounded' && attemptsMoved(b.attempts.length, p.attempts.length))),
      unmeasured,
    };
    if (any.cell) pair.pattern = any.cell.pattern;
    if (b) pair.base = b;
    if (p) pair.patched = p;
    return pair;
  });
  const disagrees = (r: ScenarioResult) => (r.policy ? !r.policy.conforms : r.verdict === 'fail');
  return {
    baseVariant,
    patchedVariant,
    base: {
      startedAt: base.startedAt,
      toolVersion: base.tool.version,
      sidecar: sidecarOf(base, baseVariant),
    },
    patched: {
      startedAt: patched.startedAt,
      toolVersion: patched.tool.version,
      sidecar: sidecarOf(patched, patchedVariant),
    },
    pairs,
    changed: pairs.filter((p) => p.changed),
    disagreeing: pairs.filter((p) => p.patched !== undefined && disagrees(p.patched)),
    unpaired: pairs.filter((p) => !p.base || !p.patched),
    unmeasured: pairs.filter((p) => p.unmeasured),
  };
}
