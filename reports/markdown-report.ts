import type { RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import { bucketLedgerSection } from './bucket-ledger-markdown.ts';
import { formatCount, formatFit, formatMs } from './format-units.ts';
import { mdCell } from './markdown-text.ts';
import { type MatrixGrid, matrixGrids } from './matrix-grid.ts';
import { realDriverSection } from './real-driver-markdown.ts';
import { decisionSection, witnessSection } from './witness-markdown.ts';

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.map(mdCell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`),
  ];
}

const VERDICT_MARK: Record<ScenarioResult['verdict'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  skipped: '⏭️ skipped',
};

function attemptsCell(r: ScenarioResult): string {
  return r.stillRetryingAtEnd ? `${r.attempts.length}+` : String(r.attempts.length);
}

function scenarioTable(results: ScenarioResult[], assumptions: string[]): string[] {
  const footnote = (list: string[]) => {
    const n = assumptions.indexOf(list.join('; '));
    if (n >= 0) return n + 1;
    assumptions.push(list.join('; '));
    return assumptions.length;
  };
  // Projections exist only for loops measured over the whole window (--full): without any, their columns would
  // be all dashes, so they are left out and a line says how to get them.
  const projected = results.some((r) => r.projection);
  const rows = results.map((r) => [
    r.scenario,
    r.variant,
    r.rpc,
    attemptsCell(r),
    formatMs(r.windowMs),
    r.outcome,
    VERDICT_MARK[r.verdict],
    r.backoff ? formatFit(r.backoff) : '—',
    ...(projected
      ? [
          r.projection
            ? `${formatCount(r.projection.attemptsPerObjectPerDay)} [^${footnote(r.projection.assumptions)}]`
            : '—',
          r.projection ? formatCount(r.projection.attemptsPerDayPer1000Objects) : '—',
        ]
      : []),
  ]);
  const header = ['Scenario', 'Variant', 'RPC', 'Attempts', 'Window', 'Outcome', 'Verdict', 'Fitted backoff'];
  if (projected) return table([...header, 'Attempts/object/day', 'Attempts/day, 1,000 objects'], rows);
  const stillRetrying = results.some((r) => r.stillRetryingAtEnd);
  return [
    ...table(header, rows),
    ...(stillRetrying
      ? [
          '',
          'No per-day projection: a retry loop is projected only when measured over its whole window (run with `--full`).',
        ]
      : []),
  ];
}

function matrixSection(grid: MatrixGrid, patterns: number): string[] {
  const title =
    patterns > 1
      ? `${grid.variant} (${grid.era}), pattern '${grid.pattern}'`
      : `${grid.variant} (${grid.era})`;
  const notes: string[] = [];
  let declared = false;
  const rows = grid.codes.map((code) => [
    code,
    ...grid.rpcs.map((rpc) => {
      const r = grid.at(code, rpc);
      if (!r) return '—';
      const text = `${r.outcome} (${attemptsCell(r)})`;
      if (r.policy) declared = true;
      if (r.policy && !r.policy.conforms) {
        notes.push(`${code} × ${rpc}: declared ${r.policy.declared}; ${r.policy.evidence}`);
        return `**✗ ${text}**`;
      }
      return text;
    }),
  ]);
  return [
    `### ${title}`,
    '',
    ...table(['Code', ...grid.rpcs], rows),
    '',
    ...(notes.length > 0
      ? ['Not conforming to the declared policy (marked ✗):', '', ...notes.map((n) => `- ${mdCell(n)}`), '']
      : declared
        ? ['Every cell conforms to the declared policy.', '']
        : ['No retry policy declared for this variant: measured only.', '']),
  ];
}

/**
 * The run as GitHub-flavoured Markdown, for PR comments and job summaries: scenarios with fitted backoff and
 * per-day projections, one matrix per variant, components and load errors. Deterministic (golden-tested).
 */
export function renderMarkdown(results: RunResults): string {
  const out: string[] = [];
  const count = (v: ScenarioResult['verdict']) => results.scenarios.filter((r) => r.verdict === v).length;
  out.push(
    '# cosi-chaos results',
    '',
    `${results.tool.name} ${results.tool.version}, backend \`${results.backend}\`, ` +
      `${results.startedAt} → ${results.finishedAt}, default window ${formatMs(results.windowMs)}.`,
    '',
    `**${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped** ` +
      `of ${results.scenarios.length} results; ${results.loadErrors.length} scenario file(s) failed to load.`,
    '',
  );

  const assumptions: string[] = [];
  const plain = results.scenarios.filter((r) => !r.cell);
  out.push('## Scenarios', '');
  if (plain.length > 0) out.push(...scenarioTable(plain, assumptions), '');
  else out.push('No single-cell scenarios in this run.', '');

  const failed = results.scenarios.filter((r) => r.verdict !== 'pass' && !r.cell);
  if (failed.length > 0) {
    out.push('### Why not passed', '');
    for (const r of failed) {
      out.push(
        `- **${mdCell(r.scenario)} / ${mdCell(r.variant)}** (${r.verdict}): ${mdCell(r.verdictReason)}`,
      );
      out.push(`  expected: ${mdCell(r.expectation)}`);
    }
    out.push('');
  }
  const unchecked = results.scenarios.filter((r) => r.unchecked?.length);
  if (unchecked.length > 0) {
    out.push('### Not checked', '');
    for (const r of unchecked)
      for (const u of r.unchecked ?? [])
        out.push(`- **${mdCell(r.scenario)} / ${mdCell(r.variant)}**: ${mdCell(u)}`);
    out.push('');
  }

  out.push(...decisionSection(results.scenarios), ...witnessSection(results.scenarios));
  out.push(...bucketLedgerSection(results.scenarios), ...realDriverSection(results.scenarios));

  const grids = matrixGrids(results.scenarios);
  if (grids.length > 0) {
    out.push(
      '## Error-code matrix',
      '',
      'Cells show outcome (attempts; + means still retrying at the end).',
      '',
    );
    for (const grid of grids) {
      const patterns = new Set(grids.filter((g) => g.variant === grid.variant).map((g) => g.pattern)).size;
      out.push(...matrixSection(grid, patterns));
    }
  }

  out.push('## Components', '');
  if (results.components.length > 0) {
    out.push(
      ...table(
        ['Component', 'Version', 'Source', 'Path'],
        results.components.map((c) => [c.name, c.version, c.source, c.path ?? '—']),
      ),
      '',
    );
  } else {
    out.push('No components recorded.', '');
  }

  out.push('## Load errors', '');
  if (results.loadErrors.length > 0) {
    out.push(
      ...table(
        ['File', 'Error'],
        results.loadErrors.map((e) => [e.file, e.message]),
      ),
      '',
    );
  } else {
    out.push('None.', '');
  }

  if (assumptions.length > 0) {
    // Footnotes render at the bottom on GitHub; listing them last keeps the raw text in the same order.
    assumptions.forEach((a, i) => {
      out.push(`[^${i + 1}]: Assumes ${a}.`);
    });
    out.push('');
  }
  return out.join('\n');
}
