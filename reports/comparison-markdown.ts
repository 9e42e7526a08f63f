import type { Comparison, ResultChange, ResultPresence, ResultSnapshot } from './compare.ts';
import { mdCell } from './markdown-text.ts';

const DIRECTION_MARK: Record<ResultChange['direction'], string> = { worse: '🔴', better: '🟢', neutral: '' };

function attempts(s: ResultSnapshot): string {
  return `${s.attempts}${s.stillRetryingAtEnd ? '+' : ''}`;
}

function variantCell(p: { variant: string; cell?: ResultPresence['cell'] }): string {
  return p.cell ? `${p.variant} (${p.cell.rpc} × ${p.cell.code}, ${p.cell.pattern})` : p.variant;
}

function arrow(before: string, after: string): string {
  return before === after ? before : `${before} → **${after}**`;
}

function presenceTable(list: ResultPresence[]): string[] {
  return [
    '| Scenario | Variant | Outcome | Verdict | Attempts |',
    '|---|---|---|---|---|',
    ...list.map(
      (p) =>
        `| ${mdCell(p.scenario)} | ${mdCell(variantCell(p))} | ${p.snapshot.outcome} | ${p.snapshot.verdict} | ${attempts(p.snapshot)} |`,
    ),
  ];
}

/** A comparison as Markdown for a PR comment: changed results first, then added and removed ones. */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const { changed, added, removed } = comparison;
  const out = [
    '# cosi-chaos comparison',
    '',
    `Before: ${comparison.before.startedAt} (cosi-chaos ${comparison.before.toolVersion}); ` +
      `after: ${comparison.after.startedAt} (cosi-chaos ${comparison.after.toolVersion}).`,
    '',
    `**${changed.filter((c) => c.direction === 'worse').length} regressed (pass → fail)**; ` +
      `**${changed.length} changed, ${added.length} added, ${removed.length} removed, ${comparison.unchanged} unchanged.** ` +
      `Noise: ${comparison.noise}.`,
    '',
  ];
  if (changed.length > 0) {
    out.push(
      '## Changed',
      '',
      '| | Scenario | Variant | Outcome | Verdict | Attempts | What moved |',
      '|---|---|---|---|---|---|---|',
      ...changed.map(
        (c) =>
          `| ${DIRECTION_MARK[c.direction]} | ${mdCell(c.scenario)} | ${mdCell(variantCell(c))} | ${arrow(c.before.outcome, c.after.outcome)} | ` +
          `${arrow(c.before.verdict, c.after.verdict)} | ${arrow(attempts(c.before), attempts(c.after))} | ${c.changes.join(', ')} |`,
      ),
      '',
    );
  }
  if (added.length > 0) out.push('## Added', '', ...presenceTable(added), '');
  if (removed.length > 0) out.push('## Removed', '', ...presenceTable(removed), '');
  if (comparison.duplicateKeys.length > 0) {
    out.push(
      '## Duplicate results',
      '',
      'These keys occur more than once in a run; only the first of each was compared:',
      '',
      ...comparison.duplicateKeys.map((k) => `- ${mdCell(k)}`),
      '',
    );
  }
  if (changed.length + added.length + removed.length === 0) out.push('No differences beyond noise.', '');
  return out.join('\n');
}
