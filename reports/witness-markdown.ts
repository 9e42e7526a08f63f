import type { ScenarioResult } from '../harness/results/run-results.ts';
import { formatMs } from './format-units.ts';
import { mdCell } from './markdown-text.ts';

const row = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;

/** How each result was decided: the window, or early on stated evidence (outcome-decider). */
export function decisionSection(results: readonly ScenarioResult[]): string[] {
  const decided = results.filter((r) => r.decision && !r.cell);
  if (decided.length === 0) return [];
  return [
    '## How each verdict was decided',
    '',
    row(['Scenario', 'Variant', 'Decided', 'After', 'Evidence']),
    '|---|---|---|---|---|',
    ...decided.map((r) =>
      row([
        r.scenario,
        r.variant,
        r.decision?.early ? `early (${r.decision.basis})` : 'window closed',
        formatMs(r.decision?.atMs ?? 0),
        r.decision?.evidence ?? '',
      ]),
    ),
    '',
  ];
}

const KB = (bytes: number) =>
  bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.round(bytes)} B`;

/**
 * The driver's count beside the system's own records, per scenario x variant: each witness's count, what it should
 * equal, agree or the likeliest cause, the witnesses that could not count and why, and the sidecar's log volume.
 */
export function witnessSection(results: readonly ScenarioResult[]): string[] {
  const withTable = results.filter((r) => r.witnesses && !r.cell);
  if (withTable.length === 0) return [];
  const out = [
    '## Witnesses: the count checked against the sidecar’s own records',
    '',
    row(['Scenario', 'Variant', 'Driver attempts', 'Witness', 'Measure', 'Count', 'Should be', 'Fidelity']),
    '|---|---|---:|---|---|---:|---:|---|',
  ];
  for (const r of withTable) {
    const w = r.witnesses;
    if (!w) continue;
    for (const x of w.rows)
      out.push(
        row([
          r.scenario,
          r.variant,
          String(w.driverAttempts),
          x.witness,
          x.measure,
          String(x.count),
          String(x.expected),
          x.fidelity === 'agree' ? 'agree' : `disagree: ${x.cause ?? 'unexplained'}`,
        ]),
      );
    for (const n of w.notMeasured)
      out.push(
        row([
          r.scenario,
          r.variant,
          String(w.driverAttempts),
          n.witness,
          n.measure,
          '—',
          '—',
          `not measured: ${n.reason}`,
        ]),
      );
  }
  out.push(
    '',
    row(['Scenario', 'Variant', 'Verdict', 'Why', 'Sidecar log per attempt', 'Log per object per day']),
  );
  out.push('|---|---|---|---|---:|---:|');
  for (const r of withTable) {
    const w = r.witnesses;
    if (!w) continue;
    const v = w.logVolume;
    out.push(
      row([
        r.scenario,
        r.variant,
        w.verdict,
        w.verdictReason,
        v ? `${v.linesPerAttempt.toFixed(1)} lines, ${KB(v.bytesPerAttempt)}` : '—',
        v?.bytesPerObjectPerDay !== undefined ? KB(v.bytesPerObjectPerDay) : '— (needs --full)',
      ]),
    );
  }
  out.push('');
  return out;
}
