import type { ScenarioResult } from '../harness/results/run-results.ts';
import { mdCell } from './markdown-text.ts';
import type { PrCellPair, PrComparison } from './pr-comparison.ts';
import { groupBy } from './result-key.ts';

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.map(mdCell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`),
  ];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function measured(r: ScenarioResult | undefined): string {
  if (!r) return '—';
  return `${r.outcome} (${r.attempts.length}${r.stillRetryingAtEnd ? '+' : ''})`;
}

function where(p: PrCellPair): string {
  return p.pattern ? `${p.rpc}, ${p.pattern}` : `${p.rpc}, ${p.scenario}`;
}

function attemptsRange(list: readonly ScenarioResult[]): string {
  const counts = list.map((r) => r.attempts.length);
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  const still = list.some((r) => r.stillRetryingAtEnd) ? '+' : '';
  return lo === hi ? `${lo}${still} attempt${lo === 1 && !still ? '' : 's'}` : `${lo}-${hi}${still} attempts`;
}

/**
 * One line per code and transition: 'InvalidArgument: unbounded -> terminal (1 attempt)', with the RPCs and
 * patterns it holds for; a code whose cells moved differently gets one line per transition.
 */
export function prVerdictLines(comparison: PrComparison): string[] {
  const changed = comparison.changed.filter(
    (p): p is PrCellPair & { base: ScenarioResult; patched: ScenarioResult } => !!p.base && !!p.patched,
  );
  const groups = groupBy(changed, (p) => `${p.code}\u0000${p.base.outcome}\u0000${p.patched.outcome}`);
  return [...groups.values()].map((group) => {
    const head = group[0] as (typeof group)[number];
    const cells = [...new Set(group.map(where))].join('; ');
    return (
      `${head.code}: ${head.base.outcome} (${attemptsRange(group.map((p) => p.base))}) -> ` +
      `${head.patched.outcome} (${attemptsRange(group.map((p) => p.patched))}) [${cells}]`
    );
  });
}

function policyCell(r: ScenarioResult | undefined): string {
  if (!r) return '—';
  if (r.policy)
    return `${r.policy.conforms ? 'conforms' : '**does not conform**'} (declared ${r.policy.declared})`;
  return `expectation ${r.verdict}`;
}

/**
 * PR evidence as GitHub Markdown: the verdict per code, the cells that changed between the base (upstream) and
 * the patched variant, the cells that still disagree with the declared policy, and the rest folded away.
 */
export function renderPrComparisonMarkdown(comparison: PrComparison): string {
  const { baseVariant, patchedVariant } = comparison;
  const matrix = comparison.pairs.some((p) => p.pattern);
  const key = matrix ? ['RPC', 'Code', 'Pattern'] : ['Scenario', 'RPC', 'Code'];
  const keyCells = (p: PrCellPair) =>
    matrix ? [p.rpc, p.code, p.pattern ?? '—'] : [p.scenario, p.rpc, p.code];
  const verdicts = prVerdictLines(comparison);
  const out = [
    `## ${patchedVariant} against ${baseVariant}`,
    '',
    `${plural(comparison.pairs.length, matrix ? 'cell' : 'scenario')} compared: ` +
      `${comparison.changed.length} changed, ${comparison.disagreeing.length} disagree with ` +
      `${matrix ? 'the declared policy' : 'their expectation'}, ${comparison.unmeasured.length} not measured on one side, ` +
      `${comparison.unpaired.length} only in one file. ` +
      'Cells show outcome (attempts; + still retrying when the window closed).',
    '',
    '### Verdict',
    '',
    ...(verdicts.length > 0 ? fencedLines(verdicts) : ['No cell changed beyond noise.']),
    '',
  ];
  if (comparison.changed.length > 0) {
    out.push(
      '### Cells that changed',
      '',
      ...table(
        [...key, baseVariant, patchedVariant, `${patchedVariant} vs its policy`],
        comparison.changed.map((p) => [
          ...keyCells(p),
          measured(p.base),
          measured(p.patched),
          policyCell(p.patched),
        ]),
      ),
      '',
    );
  }
  out.push(`### Cells of ${patchedVariant} that still disagree`, '');
  if (comparison.disagreeing.length === 0) {
    out.push(
      matrix
        ? `None: every cell of \`${patchedVariant}\` conforms to its declared policy.`
        : `None: every scenario of \`${patchedVariant}\` met its expectation.`,
      '',
    );
  } else {
    out.push(
      ...table(
        [...key, 'Declared / expected', 'Observed', 'Why'],
        comparison.disagreeing.map((p) => {
          const r = p.patched as ScenarioResult;
          return [
            ...keyCells(p),
            r.policy ? r.policy.declared : r.expectation,
            measured(r),
            r.policy ? r.policy.evidence : r.verdictReason,
          ];
        }),
      ),
      '',
    );
    if (!matrix) {
      out.push(
        'Run scenarios state what the upstream build does, so a fix is expected to disagree with them; ' +
          'a matrix run checks a declared policy instead (`cosi-chaos matrix --variant NAME=PATCH`).',
        '',
      );
    }
  }
  if (comparison.unmeasured.length > 0) {
    out.push(
      '### Not measured on one side',
      '',
      'Never called or unavailable on at least one side, so not compared:',
      '',
      ...table(
        [...key, baseVariant, patchedVariant, 'Why'],
        comparison.unmeasured.map((p) => {
          const r = [p.base, p.patched].find(
            (x) => x && (x.outcome === 'never-called' || x.outcome === 'unavailable'),
          );
          return [...keyCells(p), measured(p.base), measured(p.patched), r?.verdictReason ?? ''];
        }),
      ),
      '',
    );
  }
  const unchanged = comparison.pairs.filter((p) => !p.changed && !p.unmeasured && p.base && p.patched);
  if (unchanged.length > 0) {
    out.push(
      '<details>',
      `<summary>${plural(unchanged.length, 'cell')} unchanged</summary>`,
      '',
      ...table(
        [...key, baseVariant, patchedVariant, `${patchedVariant} vs its policy`],
        unchanged.map((p) => [...keyCells(p), measured(p.base), measured(p.patched), policyCell(p.patched)]),
      ),
      '',
      '</details>',
      '',
    );
  }
  if (comparison.unpaired.length > 0) {
    out.push(
      '### Only in one file',
      '',
      ...table(
        [...key, baseVariant, patchedVariant],
        comparison.unpaired.map((p) => [...keyCells(p), measured(p.base), measured(p.patched)]),
      ),
      '',
    );
  }
  out.push(
    '### Builds',
    '',
    ...table(
      ['Side', 'Variant', 'Sidecar', 'Run started', 'cosi-chaos'],
      [
        [
          'base',
          baseVariant,
          comparison.base.sidecar ?? 'not recorded',
          comparison.base.startedAt,
          comparison.base.toolVersion,
        ],
        [
          'patched',
          patchedVariant,
          comparison.patched.sidecar ?? 'not recorded',
          comparison.patched.startedAt,
          comparison.patched.toolVersion,
        ],
      ],
    ),
    '',
  );
  return out.join('\n');
}

function fencedLines(lines: string[]): string[] {
  return ['```text', ...lines, '```'];
}
