import type { BenchRuleShape } from './bench-rules.ts';
import type { LoadResult } from './load-generator.ts';
import type { RuleSelectionRow } from './rule-selection-bench.ts';

// One scenario, measured once per round. ruleCount and shape are undefined for the Go baseline.
export interface BenchRow {
  target: 'go' | 'mock-driver';
  ruleCount?: number;
  shape?: BenchRuleShape;
  lastRuleMatches: boolean;
  // In round order; round i of every row ran in the same pass, so rows compare round by round.
  rounds: LoadResult[];
}

export interface TargetCheck {
  row: string;
  check: string;
  measured: string;
  pass: boolean;
}

// Goals for the mock driver with 1,000 rules: at least half the Go server's calls/s, p99 under 5 ms, and rules
// costing under 10% against none (rules must not be what limits a run): at most 10% fewer calls/s, and at most
// 10% more driver CPU per call, which is what the calls/s of a shared machine stands for but wobbles less.
export const MIN_RATIO_TO_GO = 0.5;
export const MAX_P99_MS = 5;
export const MIN_RATIO_TO_NO_RULES = 0.9;
export const MAX_CPU_RATIO_TO_NO_RULES = 1.1;
const CHECKED_RULE_COUNT = 1_000;

// The middle value (mean of the two middle ones for an even count); NaN for none.
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// A measure of `row` over the same of `base`, round by round (both rows ran in the same pass, so machine load
// hits both); rounds where either lacks the measure are left out.
export function pairedRatios(
  row: BenchRow,
  base: BenchRow,
  measure: (result: LoadResult) => number | undefined = (result) => result.callsPerSecond,
): number[] {
  const count = Math.min(row.rounds.length, base.rounds.length);
  const ratios: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = measure(row.rounds[i] as LoadResult);
    const baseValue = measure(base.rounds[i] as LoadResult);
    if (value !== undefined && baseValue !== undefined && baseValue > 0) ratios.push(value / baseValue);
  }
  return ratios;
}

const cpuPerCall = (result: LoadResult) => result.serverCpuUsPerCall;

export function rulesLabel(row: BenchRow): string {
  if (row.ruleCount === undefined) return '-';
  if (row.ruleCount === 0) return '0';
  const shape = row.shape === 'scenario-scoped' ? 'scenario-scoped' : 'by bucket name';
  return `${row.ruleCount} ${shape}, ${row.lastRuleMatches ? 'last matches: ok' : 'none match'}`;
}

function targetLabel(row: BenchRow): string {
  return row.target === 'go' ? 'Go server (upstream cosi pkg)' : 'mock driver';
}

function goRow(rows: BenchRow[]): BenchRow | undefined {
  return rows.find((row) => row.target === 'go');
}

function noRulesRow(rows: BenchRow[]): BenchRow | undefined {
  return rows.find((row) => row.target === 'mock-driver' && row.ruleCount === 0);
}

// "0.97x" for one round, "0.97x (0.91-1.02)" for several: the median of the paired ratios and their range.
function formatRatios(ratios: number[]): string {
  if (ratios.length === 0) return 'n/a';
  const mid = `${median(ratios).toFixed(2)}x`;
  if (ratios.length === 1) return mid;
  return `${mid} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;
}

// PASS/MISS for every mock-driver row with 1,000 rules, on medians over the rounds; a ratio check is absent
// without the row it compares with.
export function checkTargets(rows: BenchRow[]): TargetCheck[] {
  const go = goRow(rows);
  const noRules = noRulesRow(rows);
  const checks: TargetCheck[] = [];
  for (const row of rows) {
    if (row.target !== 'mock-driver' || row.ruleCount !== CHECKED_RULE_COUNT) continue;
    const name = `${targetLabel(row)}, ${rulesLabel(row)}`;
    if (noRules) {
      const ratios = pairedRatios(row, noRules);
      checks.push({
        row: name,
        check: `calls/s >= ${MIN_RATIO_TO_NO_RULES}x 0 rules`,
        measured: formatRatios(ratios),
        pass: median(ratios) >= MIN_RATIO_TO_NO_RULES,
      });
      const cpuRatios = pairedRatios(row, noRules, cpuPerCall);
      if (cpuRatios.length > 0) {
        checks.push({
          row: name,
          check: `driver CPU per call <= ${MAX_CPU_RATIO_TO_NO_RULES}x 0 rules`,
          measured: formatRatios(cpuRatios),
          pass: median(cpuRatios) <= MAX_CPU_RATIO_TO_NO_RULES,
        });
      }
    }
    if (go) {
      const ratios = pairedRatios(row, go);
      checks.push({
        row: name,
        check: `calls/s >= ${MIN_RATIO_TO_GO}x Go`,
        measured: formatRatios(ratios),
        pass: median(ratios) >= MIN_RATIO_TO_GO,
      });
    }
    const p99 = median(row.rounds.map((round) => round.p99Ms));
    checks.push({
      row: name,
      check: `p99 < ${MAX_P99_MS} ms`,
      measured: `${p99.toFixed(2)} ms`,
      pass: p99 < MAX_P99_MS,
    });
  }
  return checks;
}

// The results table (medians over the rounds; ratios are round-by-round, median and range) and the checks.
export function renderMarkdown(rows: BenchRow[], checks: TargetCheck[]): string {
  const go = goRow(rows);
  const noRules = noRulesRow(rows);
  const roundCount = Math.max(0, ...rows.map((row) => row.rounds.length));
  const lines = [
    `${roundCount} round(s); calls/s, p50 and p99 are medians over the rounds`,
    '',
    '| target | rules | calls/s | calls/s min-max | p50 ms | p99 ms | ratio to Go | ratio to 0 rules | server CPU us/call | CPU ratio to 0 rules | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const rates = row.rounds.map((round) => round.callsPerSecond);
    const p50 = median(row.rounds.map((round) => round.p50Ms));
    const p99 = median(row.rounds.map((round) => round.p99Ms));
    const errors = row.rounds.reduce((sum, round) => sum + round.errors, 0);
    const toGo = go ? formatRatios(pairedRatios(row, go)) : 'n/a';
    const againstNoRules = noRules && row.target === 'mock-driver';
    const toNoRules = againstNoRules ? formatRatios(pairedRatios(row, noRules)) : 'n/a';
    const cpus = row.rounds.flatMap((round) => round.serverCpuUsPerCall ?? []);
    const cpu = cpus.length > 0 ? median(cpus).toFixed(0) : 'n/a';
    const cpuToNoRules = againstNoRules ? formatRatios(pairedRatios(row, noRules, cpuPerCall)) : 'n/a';
    lines.push(
      `| ${targetLabel(row)} | ${rulesLabel(row)} | ${Math.round(median(rates))} | ${Math.round(Math.min(...rates))}-${Math.round(Math.max(...rates))} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${toGo} | ${toNoRules} | ${cpu} | ${cpuToNoRules} | ${errors} |`,
    );
  }
  lines.push('');
  for (const check of checks) {
    lines.push(
      `- ${check.pass ? 'PASS' : 'MISS'}: ${check.row}: ${check.check} (measured ${check.measured})`,
    );
  }
  for (const row of rows) {
    const firstError = row.rounds.find((round) => round.firstError !== undefined)?.firstError;
    if (firstError !== undefined) {
      lines.push(`- errors from ${targetLabel(row)}, ${rulesLabel(row)}: first was ${firstError}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// The in-process rule-selection table: the index against a first-match scan over the same rules.
export function renderSelectionMarkdown(rows: RuleSelectionRow[]): string {
  const lines = [
    'Rule selection alone, in the bench process (median ns per call):',
    '',
    '| rules | selectRule (index) | first-match scan |',
    '| --- | ---: | ---: |',
  ];
  for (const row of rows) {
    const label = rulesLabel({ target: 'mock-driver', ...row, rounds: [] });
    lines.push(`| ${label} | ${row.indexNsPerCall.toFixed(0)} | ${row.scanNsPerCall.toFixed(0)} |`);
  }
  return `${lines.join('\n')}\n`;
}
