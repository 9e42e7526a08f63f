import { describe, expect, it } from 'vitest';
import type { Attempt, RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import { attemptsMoved, compareResults } from './compare.ts';
import { renderComparisonMarkdown } from './comparison-markdown.ts';
import { loadFixture } from './testdata/fixture.ts';
import { expectGolden } from './testdata/golden.ts';

function find(
  results: RunResults,
  variant: string,
  scenario: string,
  code?: string,
  rpc?: string,
): ScenarioResult {
  const r = results.scenarios.find(
    (s) =>
      s.scenario === scenario &&
      s.variant === variant &&
      (code === undefined || (s.cell?.code === code && s.cell.rpc === rpc)),
  );
  if (!r) throw new Error(`no ${scenario} ${variant} ${code ?? ''}`);
  return r;
}

function withAttempts(r: ScenarioResult, n: number): void {
  const template = r.attempts[0] as Attempt;
  r.attempts = Array.from({ length: n }, (_, i) => ({
    ...template,
    seq: template.seq + i,
    offsetMs: template.offsetMs + i * 100,
  }));
}

/** A plausible 'after' run: v1alpha1 patched for COSI-86, one cell regressed, some noise, a scenario swap. */
async function afterRun(): Promise<RunResults> {
  const after = await loadFixture();
  after.startedAt = '2025-06-17T09:00:00.000Z';
  after.tool.version = '0.2.0';
  const cosi86 = find(after, 'upstream-v1alpha1', 'cosi-86-invalid-argument');
  cosi86.outcome = 'terminal';
  cosi86.verdict = 'pass';
  cosi86.stillRetryingAtEnd = false;
  withAttempts(cosi86, 1);
  // Noise: 8 -> 9 attempts is within max(2, 20%).
  withAttempts(find(after, 'upstream-v1alpha1', 'error-code-matrix', 'Unavailable', 'create'), 9);
  // Beyond noise without an outcome change: 12 -> 20.
  withAttempts(find(after, 'upstream-v1alpha2', 'error-code-matrix', 'Unavailable', 'grant'), 20);
  // A regression: terminal -> unbounded.
  const cell = find(after, 'upstream-v1alpha2', 'error-code-matrix', 'InvalidArgument', 'delete');
  cell.outcome = 'unbounded';
  cell.verdict = 'fail';
  cell.stillRetryingAtEnd = true;
  withAttempts(cell, 8);
  after.scenarios = after.scenarios.filter((r) => r.scenario !== 'transient-unavailable');
  after.scenarios.push({
    ...find(after, 'upstream-v1alpha2', 'cosi-86-invalid-argument'),
    variant: 'v1alpha2-main',
  });
  return after;
}

describe('attemptsMoved', () => {
  it('treats moves up to max(2, 20%) as noise', () => {
    expect(attemptsMoved(1, 3)).toBe(false);
    expect(attemptsMoved(1, 4)).toBe(true);
    expect(attemptsMoved(20, 24)).toBe(false);
    expect(attemptsMoved(20, 25)).toBe(true);
    expect(attemptsMoved(100, 79)).toBe(true);
    expect(attemptsMoved(0, 2)).toBe(false);
  });
});

describe('compareResults', () => {
  it('finds nothing between a run and itself', async () => {
    const run = await loadFixture();
    const c = compareResults(run, await loadFixture());
    expect(c.changed).toEqual([]);
    expect(c.added).toEqual([]);
    expect(c.removed).toEqual([]);
    expect(c.unchanged).toBe(run.scenarios.length);
    expect(renderComparisonMarkdown(c)).toContain('No differences beyond noise.');
  });

  it('reports outcome/verdict changes, moves beyond noise, and added and removed results', async () => {
    const c = compareResults(await loadFixture(), await afterRun());
    expect(c.changed.map((x) => [x.key, x.changes])).toEqual([
      ['cosi-86-invalid-argument :: upstream-v1alpha1', ['outcome', 'verdict', 'attempts']],
      [
        'error-code-matrix :: upstream-v1alpha2/delete/InvalidArgument/always',
        ['outcome', 'verdict', 'attempts'],
      ],
      ['error-code-matrix :: upstream-v1alpha2/grant/Unavailable/always', ['attempts']],
    ]);
    expect(c.changed.map((x) => x.direction)).toEqual(['better', 'worse', 'neutral']);
    expect(c.added.map((x) => x.key)).toEqual(['cosi-86-invalid-argument :: v1alpha2-main']);
    expect(c.removed.map((x) => x.key)).toEqual(['transient-unavailable :: upstream-v1alpha1']);
    expect(c.unchanged).toBe(28 - 1 - 3);
  });

  it('notes duplicate keys instead of silently pairing the wrong results', async () => {
    const before = await loadFixture();
    const after = await loadFixture();
    after.scenarios.push(after.scenarios[0] as ScenarioResult);
    expect(compareResults(before, after).duplicateKeys).toEqual([
      'cosi-86-invalid-argument :: upstream-v1alpha1',
    ]);
  });

  it('renders the comparison as Markdown (golden)', async () => {
    expectGolden(
      'comparison.md',
      renderComparisonMarkdown(compareResults(await loadFixture(), await afterRun())),
    );
  });
});
