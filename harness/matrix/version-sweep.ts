// The version sweep: the error-code matrix over every upstream release, planned as measurements (no declared
// policies) and tabulated per cell as the first release in which the code became terminal.
import type { MatrixCell, Outcome, RunResults, ScenarioResult } from '../results/run-results.ts';
import type { SweepEntry, SweepRow, VersionSweep } from '../results/sweep-results.ts';
import type { Expectation, Scenario } from '../scenarios/scenario-types.ts';

export type { SweepEntry, SweepRow, VersionSweep };

import { type NeverCalled, neverCalledEvidence } from '../variants/never-called.ts';
import type { MatrixRpc, NonOkCode } from './grpc-codes.ts';
import { planMatrix } from './matrix-plan.ts';

/**
 * When each upstream build was cut: the tag's date, or the commit date in its pseudo-version (COSI-86 6a5a12c
 * is 60 commits after v0.1.0). BUILTIN_VARIANTS lists COSI-86 first; the sweep needs true release order.
 */
export const RELEASE_DATES: Readonly<Record<string, string>> = {
  'v1alpha1-v0.1.0': '2022-08-17',
  'v1alpha1-cosi86': '2024-11-26',
  'v1alpha1-v0.2.0': '2025-01-28',
  'v1alpha1-v0.2.1': '2025-02-11',
  'v1alpha1-v0.2.2': '2025-12-03',
  'v1alpha2-main': '2026-03-05',
};

/** Variants oldest release first (RELEASE_DATES); throws for a variant without a date (add it there). */
export function inReleaseOrder<T extends { name: string }>(variants: readonly T[]): T[] {
  const dated = variants.map((v) => {
    const date = RELEASE_DATES[v.name];
    if (!date)
      throw new Error(`variant ${v.name} has no release date: add it to RELEASE_DATES (version-sweep.ts)`);
    return { v, date };
  });
  return dated.sort((a, b) => a.date.localeCompare(b.date)).map((d) => d.v);
}

/**
 * The sweep's only question per cell: terminal (one attempt, no other in the window; outcome.ts). A verdict 'pass'
 * means terminal, 'fail' called again, not called, or crashed: a measurement, never a defect. Nothing else
 * (Events, status) is asserted. No attempt budget: a budget ends the window once every cell is past it, and the
 * attempt counts would then depend on which cells ran together.
 */
export const SWEEP_EXPECTATION: Readonly<Expectation> = { outcome: 'terminal' };

export interface SweepPlanOptions {
  codes?: readonly NonOkCode[];
  rpcs?: readonly MatrixRpc[];
  /** Default 'always': "became terminal" is about a code answered on every call. */
  patterns?: readonly MatrixCell['pattern'][];
  windowMs: number;
  /** Variant names; every cell runs on each. */
  variants: readonly string[];
}

/** The matrix's cells (same names, rules and setup as planMatrix) with SWEEP_EXPECTATION for every variant. */
export function planSweep(opts: SweepPlanOptions): Scenario[] {
  const cells = planMatrix({
    codes: opts.codes,
    rpcs: opts.rpcs,
    patterns: opts.patterns ?? ['always'],
    windowMs: opts.windowMs,
    policies: new Map(),
  });
  return cells.map((s) => ({
    ...s,
    file: '(sweep)',
    description: `${s.description} (sweep: pass = terminal, measured not judged)`,
    variants: opts.variants.map((sidecar) => ({ sidecar, expect: { ...SWEEP_EXPECTATION } })),
  }));
}

// A result whose window never opened: suite-runner records precondition failures as never-called with an
// observed window of 0 ms; a cell the sidecar really never called was observed for its whole window.
function entryOf(
  variant: string,
  r: ScenarioResult | undefined,
  neverCalls?: readonly NeverCalled[],
): SweepEntry {
  if (!r) return { variant, status: 'absent', reason: 'the run has no result for this cell' };
  if (r.outcome === 'unavailable') return { variant, status: 'unavailable', reason: r.verdictReason };
  if (r.outcome === 'never-called' && r.windowMs === 0)
    return { variant, status: 'not-triggered', reason: r.verdictReason };
  const declared = neverCalls?.find((n) => n.rpc === r.rpc);
  return {
    variant,
    status: 'measured',
    outcome: r.outcome,
    attempts: r.attempts.length,
    stillRetryingAtEnd: r.stillRetryingAtEnd,
    sidecarRestarts: r.sidecarRestarts,
    ...(declared && r.outcome === 'never-called'
      ? { declaredNeverCalled: neverCalledEvidence(declared) }
      : {}),
  };
}

const CALLED_AGAIN: ReadonlySet<Outcome> = new Set(['bounded', 'unbounded', 'crashed']);

/**
 * Tabulates a sweep run: per matrix cell in the run (first-seen order), each variant's entry in the given order
 * (oldest release first), the first release where the cell is terminal, and where it is retried again later.
 * Results of variants not listed are ignored. Pure.
 */
export function versionSweep(
  results: RunResults,
  variants: readonly string[],
  /** RPCs each release's code never makes (SidecarVariant.neverCalls): their never-called entries say why. */
  neverCalls: ReadonlyMap<string, readonly NeverCalled[]> = new Map(),
): VersionSweep {
  const key = (c: MatrixCell) => `${c.rpc}\u0000${c.code}\u0000${c.pattern}`;
  const cells = new Map<string, { cell: MatrixCell; byVariant: Map<string, ScenarioResult> }>();
  for (const r of results.scenarios) {
    if (!r.cell || !variants.includes(r.variant)) continue;
    const k = key(r.cell);
    const group = cells.get(k) ?? { cell: r.cell, byVariant: new Map() };
    group.byVariant.set(r.variant, r);
    cells.set(k, group);
  }
  const rows: SweepRow[] = [];
  for (const { cell, byVariant } of cells.values()) {
    const entries = variants.map((v) => entryOf(v, byVariant.get(v), neverCalls.get(v)));
    const first = entries.findIndex((e) => e.status === 'measured' && e.outcome === 'terminal');
    const before = first < 0 ? entries : entries.slice(0, first);
    rows.push({
      rpc: cell.rpc,
      code: cell.code,
      pattern: cell.pattern,
      entries,
      firstTerminal: first < 0 ? 'never' : (entries[first] as SweepEntry).variant,
      unmeasuredBefore: before.filter((e) => e.status !== 'measured').map((e) => e.variant),
      regressedIn:
        first < 0
          ? []
          : entries
              .slice(first + 1)
              .filter((e) => e.status === 'measured' && CALLED_AGAIN.has(e.outcome))
              .map((e) => e.variant),
    });
  }
  return {
    variants: [...variants],
    patterns: [...new Set(rows.map((r) => r.pattern))],
    windowMs: results.windowMs,
    rows,
    complete: rows.every((r) => r.entries.every((e) => e.status === 'measured')),
  };
}
