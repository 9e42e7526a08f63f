import type { RunResults, ScenarioResult } from '../harness/index.ts';

const SHORT: Record<string, string> = {
  terminal: 'T',
  bounded: 'B',
  unbounded: 'U',
  'never-called': 'N',
  crashed: 'X',
  unavailable: '-',
};

function cellText(r: ScenarioResult | undefined): string {
  if (!r) return '';
  if (r.outcome === 'unavailable') return '-';
  return `${SHORT[r.outcome] ?? '?'}${r.attempts.length}${r.policy?.conforms ? '' : '!'}`;
}

/**
 * Plain-text matrix per variant: rows are codes, columns RPC x pattern (a = always, t = 3 times then OK).
 * A cell reads outcome letter + attempts, "!" when it does not conform to the declared policy.
 */
export function renderMatrixTable(results: RunResults): string {
  const cells = results.scenarios.filter((r) => r.cell);
  const variants = [...new Set(cells.map((r) => r.variant))];
  const codes = [...new Set(cells.map((r) => r.cell?.code as string))];
  const cols = [...new Set(cells.map((r) => `${r.cell?.rpc}/${r.cell?.pattern === 'always' ? 'a' : 't'}`))];
  const out: string[] = [];
  for (const v of variants) {
    const mine = cells.filter((r) => r.variant === v);
    const conforming = mine.filter((r) => r.policy?.conforms).length;
    out.push('', `${v}: ${conforming}/${mine.length} cells conform`);
    const rows = [['CODE', ...cols]];
    for (const code of codes) {
      rows.push([
        code,
        ...cols.map((c) => {
          const [rpc, p] = c.split('/');
          return cellText(
            mine.find(
              (r) =>
                r.cell?.code === code && r.cell.rpc === rpc && (r.cell.pattern === 'always') === (p === 'a'),
            ),
          );
        }),
      ]);
    }
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows)
      out.push(
        row
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
  }
  out.push(
    '',
    'T terminal, B bounded, U unbounded, N never called, X crashed, - unavailable; number = attempts; ! = not as declared',
  );
  return out.join('\n');
}
