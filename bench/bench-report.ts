import type { LoadResult } from './load-generator.ts';

// One measured scenario. ruleCount is undefined for the Go baseline.
export interface BenchRow {
  target: 'go' | 'mock-driver';
  ruleCount?: number;
  lastRuleMatches: boolean;
  result: LoadResult;
}

export interface TargetCheck {
  row: string;
  check: string;
  measured: string;
  pass: boolean;
}

// Goals for the mock driver with 1,000 rules: at least half the Go server's calls/s, and p99 under 5 ms.
export const MIN_RATIO_TO_GO = 0.5;
export const MAX_P99_MS = 5;
const CHECKED_RULE_COUNT = 1_000;

export function rulesLabel(row: BenchRow): string {
  if (row.ruleCount === undefined) return '-';
  return row.lastRuleMatches ? `${row.ruleCount} (last matches: ok)` : `${row.ruleCount} (none match)`;
}

function targetLabel(row: BenchRow): string {
  return row.target === 'go' ? 'Go server (upstream cosi pkg)' : 'mock driver';
}

function goRate(rows: BenchRow[]): number | undefined {
  return rows.find((row) => row.target === 'go')?.result.callsPerSecond;
}

// PASS/MISS for every mock-driver row with 1,000 rules; the ratio check is absent without a Go row.
export function checkTargets(rows: BenchRow[]): TargetCheck[] {
  const go = goRate(rows);
  const checks: TargetCheck[] = [];
  for (const row of rows) {
    if (row.target !== 'mock-driver' || row.ruleCount !== CHECKED_RULE_COUNT) continue;
    const name = `${targetLabel(row)}, ${rulesLabel(row)}`;
    if (go !== undefined) {
      const ratio = row.result.callsPerSecond / go;
      checks.push({
        row: name,
        check: `calls/s >= ${MIN_RATIO_TO_GO}x Go`,
        measured: `${ratio.toFixed(2)}x`,
        pass: ratio >= MIN_RATIO_TO_GO,
      });
    }
    checks.push({
      row: name,
      check: `p99 < ${MAX_P99_MS} ms`,
      measured: `${row.result.p99Ms.toFixed(2)} ms`,
      pass: row.result.p99Ms < MAX_P99_MS,
    });
  }
  return checks;
}

// The results table and the target checks as Markdown.
export function renderMarkdown(rows: BenchRow[], checks: TargetCheck[]): string {
  const go = goRate(rows);
  const lines = [
    '| target | rules | calls/s | p50 ms | p99 ms | ratio to Go | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const { callsPerSecond, p50Ms, p99Ms, errors } = row.result;
    const ratio = go === undefined ? 'n/a' : `${(callsPerSecond / go).toFixed(2)}x`;
    lines.push(
      `| ${targetLabel(row)} | ${rulesLabel(row)} | ${Math.round(callsPerSecond)} | ${p50Ms.toFixed(2)} | ${p99Ms.toFixed(2)} | ${ratio} | ${errors} |`,
    );
  }
  lines.push('');
  for (const check of checks) {
    lines.push(
      `- ${check.pass ? 'PASS' : 'MISS'}: ${check.row}: ${check.check} (measured ${check.measured})`,
    );
  }
  const firstErrors = rows.filter((row) => row.result.firstError !== undefined);
  for (const row of firstErrors) {
    lines.push(`- errors from ${targetLabel(row)}, ${rulesLabel(row)}: first was ${row.result.firstError}`);
  }
  return `${lines.join('\n')}\n`;
}
