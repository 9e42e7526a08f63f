import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResults } from '../../harness/results/run-results.ts';
import { renderHtml } from '../html-report.ts';
import { loadFixture } from '../testdata/fixture.ts';
import { scaleCurveSvg, scalePoints } from './scale-curve.ts';

// Real bench:scale runs with N = 10 and N = 100 on the six builds (attempt lists cut to three, the bucket ledger's
// list to three: the curve reads only the scale block).
const load = (n: number) =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '..', 'testdata', `scale-${n}.results.json`), 'utf8'),
  ) as RunResults;
const scale10 = load(10);
const scale100 = load(100);
const both = [...scale10.scenarios, ...scale100.scenarios];
const rate = (r: RunResults, variant: string) =>
  r.scenarios.find((s) => s.variant === variant)?.scale?.attemptsPerClaimPerMinute ?? Number.NaN;

const count = (text: string, needle: string) => text.split(needle).length - 1;
const cy = (svg: string, title: string) =>
  Number(new RegExp(`cy="([\\d.]+)" r="4" fill="[^"]+"><title>${title}`).exec(svg)?.[1]);

describe('scale curve', () => {
  it('has one point per variant and N, from the results', () => {
    const points = scalePoints(both);
    expect(points).toHaveLength(12);
    for (const r of both)
      expect(
        points.find((p) => p.variant === r.variant && p.claims === r.scale?.claims)
          ?.attemptsPerClaimPerMinute,
      ).toBe(r.scale?.attemptsPerClaimPerMinute);
  });

  it('draws a polyline per variant and a dot per point, lower rates lower on the chart', () => {
    const svg = scaleCurveSvg(both) as string;
    expect(count(svg, 'class="scale-curve"')).toBe(6);
    expect(count(svg, 'class="scale-point"')).toBe(12);
    // As measured: v1alpha1 retries far more often than v1alpha2, and less often per claim at N = 100.
    expect(rate(scale10, 'v1alpha1-cosi86')).toBeGreaterThan(rate(scale10, 'v1alpha2-main'));
    expect(rate(scale10, 'v1alpha1-cosi86')).toBeGreaterThan(rate(scale100, 'v1alpha1-cosi86'));
    // SVG y grows downwards: a higher rate is drawn higher.
    expect(cy(svg, 'v1alpha1-cosi86, N = 10')).toBeLessThan(cy(svg, 'v1alpha2-main, N = 10'));
    expect(cy(svg, 'v1alpha1-cosi86, N = 10')).toBeLessThan(cy(svg, 'v1alpha1-cosi86, N = 100'));
  });

  it('is in the HTML report only when the run has scale results', async () => {
    const html = renderHtml(scale10);
    expect(html).toContain('<section id="scale">');
    expect(html).toContain('<a href="#scale">');
    expect(count(html, 'class="scale-point"')).toBe(6);
    const plain = renderHtml(await loadFixture());
    expect(plain).not.toContain('id="scale"');
    expect(scaleCurveSvg((await loadFixture()).scenarios)).toBeUndefined();
  });
});
