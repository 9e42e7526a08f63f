import type { RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import { BUCKET_LEDGER_HEADER, bucketLedgerRows } from './bucket-ledger-rows.ts';
import { formatCount, formatFit, formatMs } from './format-units.ts';
import { backoffChartSvg } from './html/backoff-chart.ts';
import { escapeHtml } from './html/escape.ts';
import { heatMapTable } from './html/heat-map.ts';
import { codeColour, heatColour } from './html/palette.ts';
import { scaleCurveSvg, scalePoints } from './html/scale-curve.ts';
import { timelineSvg } from './html/timeline-svg.ts';
import { matrixGrids } from './matrix-grid.ts';
import { groupBy } from './result-key.ts';

// Inline only: the report is mailed, attached to CI runs and opened offline, so it may reference nothing outside.
const CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #5b636e; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 16px 24px 48px; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: #fff; }
h1 { margin: 0 0 4px; font-size: 24px; } h2 { margin: 28px 0 8px; font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 18px 0 4px; font-size: 15px; }
nav a { margin-right: 12px; color: #0969da; }
.muted { color: var(--muted); font-weight: normal; }
.badges span { display: inline-block; padding: 3px 10px; margin-right: 6px; border-radius: 12px; font-weight: 600; }
.pass { background: #d1f4dc; color: #14532d; } .fail { background: #ffd7d5; color: #82071e; } .skipped { background: #eaeef2; color: #424a53; }
.verdict { padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg .tick { stroke: #e6e9ed; } svg .tick-label, svg .axis-label { fill: var(--muted); }
svg .stripe { fill: #f6f8fa; } svg .window { stroke: #afb8c1; stroke-width: 1; }
svg .still-retrying { fill: #d62728; } svg .row-count { font-weight: 600; }
svg .plot-area { fill: #fbfcfd; stroke: var(--line); }
.legend-codes span { display: inline-block; margin-right: 14px; } .legend-codes i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
.heat-map td.heat-cell { min-width: 110px; text-align: center; }
.heat-map td.non-conforming { outline: 3px solid #1b1f24; outline-offset: -3px; }
.heat-map td.empty { color: var(--muted); }
.heat-map caption { text-align: left; font-weight: 600; padding: 4px 0; }
.heat-legend span { display: inline-block; padding: 2px 8px; margin-right: 6px; border-radius: 4px; }
.assumptions { color: var(--muted); font-size: 12px; margin: 2px 0 0 16px; }
`;

function section(id: string, title: string, body: string[]): string[] {
  return [`<section id="${id}">`, `<h2>${escapeHtml(title)}</h2>`, ...body, '</section>'];
}

function simpleTable(header: string[], rows: string[][]): string {
  return [
    '<table>',
    `<thead><tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row) => `<tr>${row.map((c) => `<td>${c}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}

function codeLegend(results: readonly ScenarioResult[]): string {
  const codes = [...new Set(results.flatMap((r) => r.attempts.map((a) => a.code)))];
  if (codes.length === 0) return '';
  return `<p class="legend-codes">${codes
    .map((c) => `<span><i style="background:${codeColour(c)}"></i>${escapeHtml(c)}</span>`)
    .join('')}</p>`;
}

function scenarioSummary(group: ScenarioResult[]): string {
  const rows = group.map((r) => [
    escapeHtml(r.cell ? `${r.variant} ${r.cell.rpc}/${r.cell.code}` : r.variant),
    `${r.attempts.length}${r.stillRetryingAtEnd ? '+' : ''}`,
    escapeHtml(r.outcome),
    `<span class="verdict ${r.verdict}">${escapeHtml(r.verdict)}</span> ${escapeHtml(r.verdictReason)}`,
    r.backoff ? escapeHtml(formatFit(r.backoff)) : '—',
    r.projection
      ? `${formatCount(r.projection.attemptsPerObjectPerDay)} / ${formatCount(r.projection.attemptsPerDayPer1000Objects)}` +
        `<div class="assumptions">${r.projection.assumptions.map(escapeHtml).join('<br>')}</div>`
      : '—',
  ]);
  return simpleTable(
    ['Variant', 'Attempts', 'Outcome', 'Verdict', 'Fitted backoff', 'Attempts/day: 1 object / 1,000 objects'],
    rows,
  );
}

// Scale scenarios (N claims at once): the curve and its numbers.
function scaleSection(results: RunResults, curve: string): string[] {
  return [
    '<p class="muted">Each point: one variant with N claims failing at once; attempts per claim-minute, each claim counted from its create to the window\'s end (claims the controller never gave a Bucket count as idle).</p>',
    curve,
    simpleTable(
      ['Variant', 'N', 'Attempts/claim/min', 'Never called', 'Lost', 'Misattributed', 'Window'],
      scalePoints(results.scenarios).map((p) => [
        escapeHtml(p.variant),
        String(p.claims),
        p.attemptsPerClaimPerMinute.toFixed(2),
        String(p.claimsNeverCalled),
        String(p.lost),
        String(p.misattributed),
        escapeHtml(formatMs(p.windowMs)),
      ]),
    ),
  ];
}

/**
 * The run as ONE self-contained HTML page (inline CSS and SVG, no scripts, no external URLs): a timeline per
 * scenario with one mark per attempt, the error-code matrix as heat maps, the fitted backoff curves, components
 * and load errors. Every attempt in the results is exactly one `.attempt-mark` element.
 */
export function renderHtml(results: RunResults): string {
  const verdicts = (v: ScenarioResult['verdict']) => results.scenarios.filter((r) => r.verdict === v).length;
  const byScenario = groupBy(results.scenarios, (r) => r.scenario);
  const scaleCurve = scaleCurveSvg(results.scenarios);
  const body: string[] = [
    '<header>',
    '<h1>cosi-chaos results</h1>',
    `<p class="muted">${escapeHtml(`${results.tool.name} ${results.tool.version} · backend ${results.backend} · ${results.startedAt} → ${results.finishedAt} · default window ${formatMs(results.windowMs)}`)}</p>`,
    `<p class="badges"><span class="pass">${verdicts('pass')} passed</span><span class="fail">${verdicts('fail')} failed</span>` +
      `<span class="skipped">${verdicts('skipped')} skipped</span><span class="skipped">${results.loadErrors.length} load error(s)</span></p>`,
    '<nav><a href="#timelines">Timelines</a><a href="#matrix">Matrix</a><a href="#backoff">Backoff</a>' +
      `${scaleCurve ? '<a href="#scale">Scale</a>' : ''}<a href="#components">Components</a><a href="#load-errors">Load errors</a></nav>`,
    '</header>',
  ];

  const timelines: string[] = [codeLegend(results.scenarios)];
  for (const [scenario, group] of byScenario) {
    const first = group[0] as ScenarioResult;
    timelines.push(
      `<article class="scenario" data-scenario="${escapeHtml(scenario)}">`,
      `<h3>${escapeHtml(scenario)} <span class="muted">${escapeHtml(`${first.file} · ${first.rpc}${first.cell ? ' · matrix' : ''}`)}</span></h3>`,
      first.description ? `<p>${escapeHtml(first.description)}</p>` : '',
      `<p class="muted">Expected: ${escapeHtml(first.expectation)}</p>`,
      timelineSvg(group),
      first.cell ? '' : scenarioSummary(group),
      '</article>',
    );
  }
  body.push(...section('timelines', 'Attempt timelines', timelines));

  const grids = matrixGrids(results.scenarios);
  body.push(
    ...section(
      'matrix',
      'Error-code matrix',
      grids.length === 0
        ? ['<p class="muted">No matrix in this run.</p>']
        : [
            '<p class="heat-legend">' +
              (['terminal', 'bounded', 'unbounded', 'crashed', 'never-called', 'unavailable'] as const)
                .map((o) => {
                  // Mid-scale shade: the legend shows the hue, the cells add the depth.
                  const { bg, fg } = heatColour(o, 3, 9);
                  return `<span style="background:${bg};color:${fg}">${o}</span>`;
                })
                .join('') +
              ' darker = more attempts; outlined ✗ = does not conform to the declared policy</p>',
            ...grids.map(heatMapTable),
          ],
    ),
  );

  const charts: string[] = [];
  for (const [scenario, group] of byScenario) {
    const svg = backoffChartSvg(group);
    if (svg) charts.push(`<h3>${escapeHtml(scenario)}</h3>`, svg);
  }
  body.push(
    ...section(
      'backoff',
      'Fitted backoff',
      charts.length > 0 ? charts : ['<p class="muted">No result had enough retries to fit.</p>'],
    ),
  );

  const ledger = bucketLedgerRows(results.scenarios);
  if (ledger.length > 0)
    body.push(
      ...section('buckets', 'Duplicate and orphan buckets', [
        simpleTable(
          BUCKET_LEDGER_HEADER,
          ledger.map((row) => row.map(escapeHtml)),
        ),
      ]),
    );
  if (scaleCurve)
    body.push(
      ...section('scale', 'Attempts per claim per minute against N', scaleSection(results, scaleCurve)),
    );
  body.push(
    ...section('components', 'Components', [
      results.components.length === 0
        ? '<p class="muted">No components recorded.</p>'
        : simpleTable(
            ['Component', 'Version', 'Source', 'Path'],
            results.components.map((c) => [c.name, c.version, c.source, c.path ?? '—'].map(escapeHtml)),
          ),
    ]),
    ...section('load-errors', 'Load errors', [
      results.loadErrors.length === 0
        ? '<p class="muted">None.</p>'
        : simpleTable(
            ['File', 'Error'],
            results.loadErrors.map((e) => [escapeHtml(e.file), escapeHtml(e.message)]),
          ),
    ]),
  );

  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>cosi-chaos results ${escapeHtml(results.startedAt)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    ...body.filter((line) => line !== ''),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
