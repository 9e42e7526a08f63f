import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../harness/results/run-results.ts';
import { renderMarkdown } from './markdown-report.ts';
import { loadFixture } from './testdata/fixture.ts';
import { expectGolden } from './testdata/golden.ts';

describe('renderMarkdown', () => {
  it('matches the golden report for the fixture run', async () => {
    expectGolden('run-results.md', renderMarkdown(await loadFixture()));
  });

  it('marks non-conforming matrix cells and lists their evidence', async () => {
    const md = renderMarkdown(await loadFixture());
    expect(md).toContain(
      '| PermissionDenied | terminal (1) | terminal (1) | terminal (1) | **✗ bounded (3)** |',
    );
    expect(md).toContain('- PermissionDenied × revoke: declared terminal; 3 revoke call(s) in 20 s');
  });

  it('splits a variant matrix by pattern when both patterns ran', async () => {
    const results = await loadFixture();
    const cells = results.scenarios.filter((r) => r.cell && r.variant === 'upstream-v1alpha2');
    const thenOk: ScenarioResult[] = cells.map((r) => ({
      ...r,
      cell: { ...(r.cell as NonNullable<ScenarioResult['cell']>), pattern: 'then-ok' },
    }));
    results.scenarios.push(...thenOk);
    const md = renderMarkdown(results);
    expect(md).toContain("### upstream-v1alpha2 (v1alpha2), pattern 'always'");
    expect(md).toContain("### upstream-v1alpha2 (v1alpha2), pattern 'then-ok'");
    expect(md).toContain('### upstream-v1alpha1 (v1alpha1)\n');
  });

  it('keeps tables intact when text holds pipes or newlines, and says when nothing failed to load', async () => {
    const results = await loadFixture();
    results.loadErrors = [];
    results.components = [{ name: 'odd|name', version: 'v1\nv2', source: 'x' }];
    const md = renderMarkdown(results);
    expect(md).toContain('| odd\\|name | v1 v2 | x | — |');
    expect(md).toMatch(/## Load errors\n\nNone\./);
  });

  it('leaves the per-day projection columns out when no result has a projection (a run without --full)', async () => {
    const results = await loadFixture();
    const withProjection = renderMarkdown(results);
    expect(withProjection).toContain('| Attempts/object/day | Attempts/day, 1,000 objects |');
    for (const r of results.scenarios) delete r.projection;
    const md = renderMarkdown(results);
    expect(md).not.toContain('Attempts/object/day');
    expect(md).toContain(
      '| Scenario | Variant | RPC | Attempts | Window | Outcome | Verdict | Fitted backoff |\n|---|---|---|---|---|---|---|---|\n',
    );
    expect(md).toContain(
      '| cosi-86-invalid-argument | upstream-v1alpha1 | create | 11+ | 1.5 min | unbounded | ❌ fail | 100 ms ×2, cap 30 s |\n',
    );
    expect(md).toContain(
      'No per-day projection: a retry loop is projected only when measured over its whole window (run with `--full`).',
    );
  });
});
