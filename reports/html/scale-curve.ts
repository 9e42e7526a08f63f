import type { ScenarioResult } from '../../harness/results/run-results.ts';
import type { ScaleResult } from '../../harness/results/scale-results.ts';
import { groupBy } from '../result-key.ts';
import { coord, escapeHtml } from './escape.ts';
import { seriesColour } from './palette.ts';

const WIDTH = 1000;
const HEIGHT = 300;
const LEFT = 64;
const RIGHT = 20;
const TOP = 16;
const BOTTOM = 40;
const DECADES = [0.01, 0.1, 1, 10, 100, 1000, 10_000];

type Scaled = ScenarioResult & { scale: ScaleResult };

/** One point of the curve: a variant at N claims. */
export interface ScalePoint {
  variant: string;
  claims: number;
  attemptsPerClaimPerMinute: number;
  lost: number;
  misattributed: number;
  claimsNeverCalled: number;
  windowMs: number;
}

/** The curve's points, one per variant and N (the last result wins where a run repeats one), sorted by N. */
export function scalePoints(results: readonly ScenarioResult[]): ScalePoint[] {
  const scaled = results.filter((r): r is Scaled => r.scale !== undefined);
  const byKey = new Map<string, ScalePoint>();
  for (const r of scaled)
    byKey.set(`${r.variant} ${r.scale.claims}`, {
      variant: r.variant,
      claims: r.scale.claims,
      attemptsPerClaimPerMinute: r.scale.attemptsPerClaimPerMinute,
      lost: r.scale.lost,
      misattributed: r.scale.misattributed,
      claimsNeverCalled: r.scale.claimsNeverCalled,
      windowMs: r.windowMs,
    });
  return [...byKey.values()].sort((a, b) => a.claims - b.claims || a.variant.localeCompare(b.variant));
}

/**
 * Attempts per claim per minute against N claims, both on log axes: one `scale-curve` polyline per variant with a
 * `scale-point` dot per N. A sidecar whose API client is rate-limited (v0.1: 5 requests/s) bends down as N grows.
 * Undefined when no result is a scale result.
 */
export function scaleCurveSvg(results: readonly ScenarioResult[]): string | undefined {
  const points = scalePoints(results);
  if (points.length === 0) return undefined;
  const ns = points.map((p) => p.claims);
  const rates = points.map((p) => Math.max(p.attemptsPerClaimPerMinute, 0.01));
  const xLo = Math.log10(Math.min(...ns) / 2);
  const xHi = Math.log10(Math.max(...ns) * 2);
  const yLo = Math.log10(Math.min(...rates) / 2);
  const yHi = Math.log10(Math.max(...rates) * 2);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (n: number) => LEFT + ((Math.log10(n) - xLo) / (xHi - xLo || 1)) * plotW;
  const y = (r: number) => TOP + plotH - ((Math.log10(Math.max(r, 0.01)) - yLo) / (yHi - yLo || 1)) * plotH;
  const series = [...groupBy(points, (p) => p.variant)];
  const legendH = series.length * 18 + 8;
  const out: string[] = [
    `<svg class="scale-curve-chart" viewBox="0 0 ${WIDTH} ${HEIGHT + legendH}" width="100%" role="img" aria-label="attempts per claim per minute against claims">`,
    `<rect class="plot-area" x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}"/>`,
  ];
  for (const d of DECADES) {
    const l = Math.log10(d);
    if (l >= yLo && l <= yHi)
      out.push(
        `<line class="tick" x1="${LEFT}" y1="${coord(y(d))}" x2="${WIDTH - RIGHT}" y2="${coord(y(d))}"/>`,
        `<text class="tick-label" x="${LEFT - 6}" y="${coord(y(d) + 4)}" text-anchor="end">${d}</text>`,
      );
  }
  for (const n of [...new Set(ns)])
    out.push(
      `<text class="tick-label" x="${coord(x(n))}" y="${TOP + plotH + 16}" text-anchor="middle">${n}</text>`,
    );
  out.push(
    `<text class="axis-label" x="${LEFT + plotW / 2}" y="${TOP + plotH + 34}" text-anchor="middle">claims failing at once (N)</text>`,
    `<text class="axis-label" x="12" y="${TOP + plotH / 2}" transform="rotate(-90 12 ${TOP + plotH / 2})" text-anchor="middle">attempts per claim per minute</text>`,
  );
  series.forEach(([variant, group], i) => {
    const colour = seriesColour(i);
    out.push(
      `<polyline class="scale-curve" fill="none" stroke="${colour}" stroke-width="2" points="${group
        .map((p) => `${coord(x(p.claims))},${coord(y(p.attemptsPerClaimPerMinute))}`)
        .join(' ')}"><title>${escapeHtml(variant)}</title></polyline>`,
    );
    for (const p of group)
      out.push(
        `<circle class="scale-point" cx="${coord(x(p.claims))}" cy="${coord(y(p.attemptsPerClaimPerMinute))}" r="4" fill="${colour}">` +
          `<title>${escapeHtml(`${variant}, N = ${p.claims}: ${p.attemptsPerClaimPerMinute.toFixed(2)} attempts/claim/min, ${p.claimsNeverCalled} claim(s) never called, ${p.lost} lost, ${p.misattributed} misattributed`)}</title></circle>`,
      );
    const ly = HEIGHT + i * 18 + 6;
    out.push(
      `<line x1="${LEFT}" y1="${ly}" x2="${LEFT + 24}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text class="legend" x="${LEFT + 32}" y="${ly + 4}">${escapeHtml(variant)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
