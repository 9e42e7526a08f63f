import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { renderHtml } from '../html-report.ts';
import { loadFixture } from '../testdata/fixture.ts';
import { scaleCurveSvg, scalePoints } from './scale-curve.ts';

// A real scale-10 run on the six builds (attempt lists cut to three: the curve reads only the scale block).
const scale10 = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'testdata', 'scale-10.results.json'), 'utf8'),
) as RunResults;

// The same results as if run with N = 100 at a tenth of the rate (a rate-limited sidecar's curve bends down).
function atHundred(r: ScenarioResult): ScenarioResult {
  const scale = r.scale as NonNullable<ScenarioResult['scale']>;
  return {
    ...r,
    scenario: 'scale-100',
    scale: { ...scale, claims: 100, attemptsPerClaimPerMinute: scale.attemptsPerClaimPerMinute / 10 },
  };
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const cy = (svg: string, title: string) =>
  Number(new RegExp(`cy="([\\d.]+)" r="4" fill="[^"]+"><title>${title}`).exec(svg)?.[1]);

describe('scale curve', () => {
  it('has one point per variant and N, from the results', () => {
    const points = scalePoints([...scale10.scenarios, ...scale10.scenarios.map(atHundred)]);
    expect(points).toHaveLength(12);
    for (const r of scale10.scenarios)
      expect(points.find((p) => p.variant === r.variant && p.claims === 10)?.attemptsPerClaimPerMinute).toBe(
        r.scale?.attemptsPerClaimPerMinute,
      );
  });

  it('draws a polyline per variant and a dot per point, lower rates lower on the chart', () => {
    const svg = scaleCurveSvg([...scale10.scenarios, ...scale10.scenarios.map(atHundred)]) as string;
    expect(count(svg, 'class="scale-curve"')).toBe(6);
    expect(count(svg, 'class="scale-point"')).toBe(12);
    const v1 = scale10.scenarios.find((r) => r.variant === 'v1alpha1-cosi86') as ScenarioResult;
    const v2 = scale10.scenarios.find((r) => r.variant === 'v1alpha2-main') as ScenarioResult;
    expect(v1.scale?.attemptsPerClaimPerMinute).toBeGreaterThan(v2.scale?.attemptsPerClaimPerMinute ?? 0);
    // SVG y grows downwards: the faster retrier's dot is above.
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
