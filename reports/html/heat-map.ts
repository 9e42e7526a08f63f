import type { MatrixGrid } from '../matrix-grid.ts';
import { escapeHtml } from './escape.ts';
import { heatColour } from './palette.ts';

/**
 * One matrix grid as an HTML table heat map: hue by outcome, darker with more attempts; cells that do not
 * conform to the declared policy get a heavy outline and ✗, with the evidence in the hover title.
 */
export function heatMapTable(grid: MatrixGrid): string {
  const cells = grid.codes.flatMap((code) => grid.rpcs.map((rpc) => grid.at(code, rpc)));
  const maxAttempts = Math.max(1, ...cells.map((r) => r?.attempts.length ?? 0));
  const out: string[] = [
    `<table class="heat-map" data-variant="${escapeHtml(grid.variant)}" data-pattern="${escapeHtml(grid.pattern)}">`,
    `<caption>${escapeHtml(grid.variant)} <span class="muted">(${escapeHtml(grid.era)}, pattern '${escapeHtml(grid.pattern)}')</span></caption>`,
    `<thead><tr><th scope="col">code \\ RPC</th>${grid.rpcs.map((rpc) => `<th scope="col">${escapeHtml(rpc)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
  ];
  for (const code of grid.codes) {
    const row = [`<tr><th scope="row">${escapeHtml(code)}</th>`];
    for (const rpc of grid.rpcs) {
      const r = grid.at(code, rpc);
      if (!r) {
        row.push('<td class="heat-cell empty">—</td>');
        continue;
      }
      const { bg, fg } = heatColour(r.outcome, r.attempts.length, maxAttempts);
      const nonConforming = r.policy !== undefined && !r.policy.conforms;
      const count = r.stillRetryingAtEnd ? `${r.attempts.length}+` : String(r.attempts.length);
      const title = [
        `${code} on ${rpc}: ${r.outcome}, ${count} attempt(s)`,
        r.policy
          ? `declared ${r.policy.declared}${nonConforming ? ' (does NOT conform)' : ''}: ${r.policy.evidence}`
          : '',
      ]
        .filter(Boolean)
        .join('\n');
      row.push(
        `<td class="heat-cell${nonConforming ? ' non-conforming' : ''}" data-outcome="${escapeHtml(r.outcome)}" ` +
          `data-attempts="${r.attempts.length}" style="background:${bg};color:${fg}" title="${escapeHtml(title)}">` +
          `${nonConforming ? '<span class="mark">✗</span> ' : ''}${escapeHtml(r.outcome)}<br><b>${escapeHtml(count)}</b></td>`,
      );
    }
    row.push('</tr>');
    out.push(row.join(''));
  }
  out.push('</tbody>', '</table>');
  return out.join('\n');
}
