import type { RunResults, ScenarioResult } from '../harness/index.ts';

function intervals(r: ScenarioResult): string {
  if (!r.intervalsMs.length) return '-';
  const shown = r.intervalsMs
    .slice(0, 8)
    .map((ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`));
  return shown.join(' ') + (r.intervalsMs.length > 8 ? ` ... (${r.intervalsMs.length})` : '');
}

/** The plain-text table `run` prints: scenario, variant, attempts, intervals, outcome, verdict. */
export function renderResultTable(results: RunResults): string {
  const rows = [['SCENARIO', 'VARIANT', 'ATTEMPTS', 'INTERVALS', 'OUTCOME', 'VERDICT']];
  for (const r of results.scenarios) {
    rows.push([
      r.scenario,
      r.variant,
      String(r.attempts.length),
      intervals(r),
      r.outcome,
      r.verdict.toUpperCase(),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const notes = results.scenarios
    .filter((r) => r.verdict !== 'pass')
    .map(
      (r) =>
        `  ${r.scenario} / ${r.variant}: ${r.verdict === 'skipped' ? 'SKIPPED' : 'FAILED'}: ${r.verdictReason}`,
    );
  for (const r of results.scenarios)
    for (const u of r.unchecked ?? []) notes.push(`  ${r.scenario} / ${r.variant}: NOT CHECKED: ${u}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
