import type { BackoffFit, ScenarioResult } from '../../harness/results/run-results.ts';
import { formatFit, formatMs } from '../format-units.ts';
import { groupBy } from '../result-key.ts';
import { fittedIntervalMs } from '../retry-fit.ts';
import { coord, escapeHtml } from './escape.ts';
import { seriesColour } from './palette.ts';

const WIDTH = 1000;
const HEIGHT = 280;
const LEFT = 64;
const RIGHT = 20;
const TOP = 16;
const BOTTOM = 40;
const LOG_TICKS = [1, 10, 100, 1000, 10_000, 60_000, 600_000, 3_600_000];

interface Series {
  label: string;
  fit: BackoffFit;
  observed: number[];
}

/**
 * One scenario's fitted backoff curves on a log interval axis against retry number: a `backoff-curve`
 * polyline per distinct variant+fit (identical matrix cells collapse into one, labelled with their count)
 * and the observed intervals of the first result of each as dots. Undefined when no result has a fit.
 */
export function backoffChartSvg(results: readonly ScenarioResult[]): string | undefined {
  const fitted = results.filter(
    (r): r is ScenarioResult & { backoff: BackoffFit } => r.backoff !== undefined,
  );
  if (fitted.length === 0) return undefined;
  const series: Series[] = [];
  for (const [, group] of groupBy(fitted, (r) => `${r.variant} ${formatFit(r.backoff)}`)) {
    const first = group[0] as ScenarioResult & { backoff: BackoffFit };
    const cells = group.length > 1 ? ` (${group.length} results)` : '';
    series.push({
      label: `${first.variant}${cells}: ${formatFit(first.backoff)}`,
      fit: first.backoff,
      observed: first.intervalsMs.filter((ms) => ms > 0),
    });
  }

  // Show a couple of retries past the longest series so a cap reads as a flat line.
  const maxK = Math.max(...series.map((s) => s.fit.points)) + 2;
  const values = series.flatMap((s) => [
    ...s.observed,
    ...Array.from({ length: maxK + 1 }, (_, k) => fittedIntervalMs(s.fit, k)),
  ]);
  const lo = Math.log10(Math.max(1, Math.min(...values) / 1.5));
  const hi = Math.log10(Math.max(...values) * 1.5);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (k: number) => LEFT + (k / maxK) * plotW;
  const y = (ms: number) => TOP + plotH - ((Math.log10(Math.max(ms, 1)) - lo) / (hi - lo || 1)) * plotH;
  const legendH = series.length * 18 + 8;

  const out: string[] = [
    `<svg class="backoff-chart" viewBox="0 0 ${WIDTH} ${HEIGHT + legendH}" width="100%" role="img" aria-label="fitted backoff">`,
    `<rect class="plot-area" x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}"/>`,
  ];
  for (const ms of LOG_TICKS) {
    const l = Math.log10(ms);
    if (l < lo || l > hi) continue;
    out.push(
      `<line class="tick" x1="${LEFT}" y1="${coord(y(ms))}" x2="${WIDTH - RIGHT}" y2="${coord(y(ms))}"/>`,
      `<text class="tick-label" x="${LEFT - 6}" y="${coord(y(ms) + 4)}" text-anchor="end">${escapeHtml(formatMs(ms))}</text>`,
    );
  }
  const kStep = Math.max(1, Math.ceil(maxK / 12));
  for (let k = 0; k <= maxK; k += kStep) {
    out.push(
      `<text class="tick-label" x="${coord(x(k))}" y="${TOP + plotH + 16}" text-anchor="middle">${k + 1}</text>`,
    );
  }
  out.push(
    `<text class="axis-label" x="${LEFT + plotW / 2}" y="${TOP + plotH + 34}" text-anchor="middle">retry number (interval before it)</text>`,
  );

  series.forEach((s, i) => {
    const colour = seriesColour(i);
    const points = Array.from(
      { length: maxK + 1 },
      (_, k) => `${coord(x(k))},${coord(y(fittedIntervalMs(s.fit, k)))}`,
    );
    out.push(
      `<polyline class="backoff-curve" fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}">` +
        `<title>${escapeHtml(s.label)}</title></polyline>`,
    );
    s.observed.forEach((ms, k) => {
      out.push(
        `<circle class="observed-interval" cx="${coord(x(k))}" cy="${coord(y(ms))}" r="3.5" fill="${colour}">` +
          `<title>${escapeHtml(`retry ${k + 1}: ${formatMs(ms)}`)}</title></circle>`,
      );
    });
    const ly = HEIGHT + i * 18 + 6;
    out.push(
      `<line x1="${LEFT}" y1="${ly}" x2="${LEFT + 24}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text class="legend" x="${LEFT + 32}" y="${ly + 4}">${escapeHtml(s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
