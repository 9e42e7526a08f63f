import type { ScenarioResult } from '../../harness/results/run-results.ts';
import { formatMs } from '../format-units.ts';
import { variantLabel } from '../result-key.ts';
import { coord, escapeHtml } from './escape.ts';
import { codeColour } from './palette.ts';

const WIDTH = 1000;
const LABEL = 330;
const RIGHT = 120;
const TOP = 26;
const ROW = 22;
const PLOT = WIDTH - LABEL - RIGHT;
const TICK_STEPS = [
  100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
];

// Ticks in one unit so '70 s' never shows as a rounded '1.2 min'.
function tickLabel(ms: number, spanMs: number): string {
  if (spanMs <= 2000) return `${ms} ms`;
  if (spanMs <= 600_000) return `${ms / 1000} s`;
  return `${ms / 60_000} min`;
}

function tickStep(spanMs: number): number {
  return TICK_STEPS.find((step) => spanMs / step <= 10) ?? Math.ceil(spanMs / 10 / 600_000) * 600_000;
}

/**
 * One scenario's attempts on a shared time axis (0 = objects applied, to the longest window): a row per
 * variant (or matrix cell), one `attempt-mark` per attempt at its offset, so a retry loop shows as a comb
 * that keeps going to the right edge. Each mark carries data-code and a hover title.
 */
export function timelineSvg(results: readonly ScenarioResult[]): string {
  const spanMs = Math.max(
    1,
    ...results.map((r) => r.windowMs),
    ...results.flatMap((r) => r.attempts.map((a) => a.offsetMs)),
  );
  const x = (ms: number) => LABEL + (Math.min(Math.max(ms, 0), spanMs) / spanMs) * PLOT;
  const height = TOP + results.length * ROW + 6;
  const out: string[] = [
    `<svg class="timeline" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="attempts over time">`,
  ];

  const step = tickStep(spanMs);
  for (let t = 0; t <= spanMs; t += step) {
    out.push(
      `<line class="tick" x1="${coord(x(t))}" y1="${TOP - 4}" x2="${coord(x(t))}" y2="${height - 4}"/>`,
      `<text class="tick-label" x="${coord(x(t))}" y="${TOP - 8}" text-anchor="middle">${escapeHtml(tickLabel(t, spanMs))}</text>`,
    );
  }

  results.forEach((r, i) => {
    const y = TOP + i * ROW;
    const mid = y + ROW / 2;
    const count = r.stillRetryingAtEnd ? `${r.attempts.length}+` : String(r.attempts.length);
    out.push(
      `<g class="timeline-row outcome-${escapeHtml(r.outcome)}" data-variant="${escapeHtml(variantLabel(r))}">`,
      i % 2 === 0 ? `<rect class="stripe" x="0" y="${y}" width="${WIDTH}" height="${ROW}"/>` : '',
      `<text class="row-label" x="6" y="${mid + 4}">${escapeHtml(variantLabel(r))}</text>`,
      `<line class="window" x1="${LABEL}" y1="${mid}" x2="${coord(x(r.windowMs))}" y2="${mid}"/>`,
    );
    for (const a of r.attempts) {
      out.push(
        `<rect class="attempt-mark" data-code="${escapeHtml(a.code)}" data-offset-ms="${a.offsetMs}" ` +
          `x="${coord(x(a.offsetMs) - 1)}" y="${y + 4}" width="2" height="${ROW - 8}" fill="${codeColour(a.code)}">` +
          `<title>#${a.seq} ${escapeHtml(a.code)} at +${escapeHtml(formatMs(a.offsetMs))}</title></rect>`,
      );
    }
    if (r.stillRetryingAtEnd) {
      const end = x(r.windowMs);
      out.push(
        `<path class="still-retrying" d="M${coord(end + 3)} ${mid - 5} l8 5 l-8 5 z"><title>still retrying when the window closed</title></path>`,
      );
    }
    out.push(
      `<text class="row-count" x="${LABEL + PLOT + 16}" y="${mid + 4}">${escapeHtml(`${count} ${r.outcome}`)}</text>`,
      '</g>',
    );
  });
  out.push('</svg>');
  return out.filter((line) => line !== '').join('\n');
}
