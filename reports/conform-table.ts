import type { ConformCaseResult, ConformResults } from '../harness/conform/conform-results.ts';

const RESULT_LABEL: Record<ConformCaseResult['outcome'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  skip: 'SKIP',
};

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Where the rule is written, short: `spec.md § DriverDeleteBucket`. */
export function ruleLabel(r: ConformCaseResult): string {
  return `${r.spec.file} § ${r.spec.section}`;
}

/**
 * The run as a plain-text table for the terminal: case, era, rule, MUST/SHOULD, result, what the driver answered
 * (clipped to `answerWidth`), then the summary, how the backend cases ran and what could not be removed.
 */
export function renderConformTable(results: ConformResults, answerWidth = 110): string {
  const header = ['CASE', 'ERA', 'RULE', 'LEVEL', 'RESULT', 'ANSWERED'];
  const rows = results.cases.map((r) => [
    r.id,
    r.era,
    clip(ruleLabel(r), 48),
    r.level,
    RESULT_LABEL[r.outcome],
    clip(r.answer, answerWidth),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const s = results.summary;
  const control = results.target.backendControl;
  const lines = [
    `${results.target.description} (${results.target.address}); eras: ${results.target.eras.join(', ')}; protocol ${results.target.protocol}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `${s.pass} passed, ${s.fail} failed, ${s.error} not checked (a step before the rule failed), ${s.skip} skipped; ` +
      `MUST not passed: ${s.mustNotPassed}, SHOULD not passed: ${s.shouldNotPassed}; ${(results.wallMs / 1000).toFixed(1)} s`,
    `backend states: non-empty bucket by ${control.nonEmptyBucket}, backend stopped by ${control.stopBackend}`,
    results.cleanup.leftovers.length === 0
      ? `cleanup: ${results.cleanup.removed} removed, nothing left (names start with ${results.runPrefix})`
      : `cleanup: ${results.cleanup.removed} removed; NOT removed: ${results.cleanup.leftovers
          .map(
            (l) =>
              `${l.kind} ${l.accountId ?? l.bucketId} (${l.code}${l.message ? ` "${clip(l.message, 60)}"` : ''})`,
          )
          .join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}
