import type { ConformCaseResult, ConformResults } from '../harness/conform/conform-results.ts';
import { mdCell } from './markdown-text.ts';

const ICON: Record<ConformCaseResult['outcome'], string> = {
  pass: 'pass',
  fail: '**FAIL**',
  error: '**not checked**',
  skip: 'skipped',
};

function caseDetails(r: ConformCaseResult): string[] {
  const calls = r.calls.map((c) =>
    [
      `${c.method} (${c.latencyMs} ms, deadline ${c.deadlineMs} ms)`,
      `  request:  ${JSON.stringify(c.request)}`,
      `  answer:   ${c.code}${c.message ? ` "${c.message}"` : ''}`,
      ...(c.response ? [`  response: ${JSON.stringify(c.response)}`] : []),
    ].join('\n'),
  );
  return [
    `### ${r.era} ${r.id}: ${ICON[r.outcome]} (${r.level})`,
    '',
    `${r.title}.`,
    '',
    `> ${r.spec.text}`,
    '',
    `— \`${r.spec.file}\` (${r.spec.section}), ${r.spec.module}`,
    '',
    `Expected: ${r.expected}. Answered: ${r.answer}.`,
    ...(r.backendControl ? ['', `Backend state reached by: ${r.backendControl}.`] : []),
    '',
    ...(calls.length ? ['```', ...calls, '```', ''] : []),
  ];
}

/** conform-results.md: the table, then per case the spec sentence and every call it made (failures first). */
export function renderConformMarkdown(results: ConformResults): string {
  const s = results.summary;
  const t = results.target;
  const names = Object.entries(t.driverNames)
    .map(([era, name]) => `${era}: \`${name}\``)
    .join(', ');
  const order = (r: ConformCaseResult) => (r.outcome === 'fail' || r.outcome === 'error' ? 0 : 1);
  const lines = [
    `# COSI conformance: ${t.description}`,
    '',
    `\`cosi-chaos conform --driver ${t.driver}\` (cosi-chaos ${results.tool.version}), ${results.startedAt}, ` +
      `${(results.wallMs / 1000).toFixed(1)} s. Eras served: ${t.eras.join(', ')}${names ? ` (DriverGetInfo: ${names})` : ''}. ` +
      `Protocol ${t.protocol}; every call with a ${results.deadlineMs} ms deadline.`,
    '',
    `**${s.mustNotPassed === 0 ? 'Every MUST passed' : `${s.mustNotPassed} MUST case(s) did not pass`}**; ` +
      `${s.pass} passed, ${s.fail} failed, ${s.error} not checked, ${s.skip} skipped, SHOULD not passed: ${s.shouldNotPassed}.`,
    '',
    `Backend states: a non-empty bucket by ${t.backendControl.nonEmptyBucket}, the backend stopped by ${t.backendControl.stopBackend}.`,
    '',
    '| Case | Era | Rule | Level | Result | Driver answered |',
    '|---|---|---|---|---|---|',
    ...results.cases.map(
      (r) =>
        `| ${r.id} | ${r.era} | ${mdCell(`${r.spec.file} § ${r.spec.section}`)} | ${r.level} | ${ICON[r.outcome]} | ${mdCell(r.answer)} |`,
    ),
    '',
    results.cleanup.leftovers.length === 0
      ? `Cleanup: ${results.cleanup.removed} removed, nothing left (every name starts with \`${results.runPrefix}\`).`
      : `Cleanup: ${results.cleanup.removed} removed. **Not removed:** ${results.cleanup.leftovers
          .map(
            (l) =>
              `${l.kind} \`${l.accountId ?? l.bucketId}\` (${l.code}${l.message ? ` "${mdCell(l.message)}"` : ''})`,
          )
          .join(', ')}.`,
    '',
    '## Cases',
    '',
    ...[...results.cases].sort((a, b) => order(a) - order(b)).flatMap(caseDetails),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
