import { execa } from 'execa';
import { lexer, type Token, type Tokens } from 'marked';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import { attemptsMoved } from './compare.ts';
import { comparePr, PrComparisonError, pickVariants } from './pr-comparison.ts';
import { prVerdictLines } from './pr-comparison-markdown.ts';
import { readResults } from './results-file.ts';

// Real runs (scripts/regenerate-report-fixtures.sh): a matrix of upstream-v1alpha1 and correct-fix, the COSI-86
// scenario on every release, and the same scenario with the correct-fix sidecar binary.
const MATRIX = 'reports/testdata/matrix.results.json';
const COSI86 = 'reports/testdata/cosi-86.results.json';
const COSI86_FIXED = 'reports/testdata/cosi-86-correct-fix.results.json';
const CLI = 'bin/cosi-chaos.js';

const tables = (tokens: Token[]) => tokens.filter((t): t is Tokens.Table => t.type === 'table');
const header = (t: Tokens.Table) => t.header.map((h) => h.text);
const rows = (t: Tokens.Table) => t.rows.map((r) => r.map((c) => c.text));
const sectionTable = (tokens: Token[], heading: string): Tokens.Table | undefined => {
  const at = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).text.startsWith(heading));
  if (at < 0) return undefined;
  const next = tokens.slice(at + 1).find((t) => t.type === 'table' || t.type === 'heading');
  return next?.type === 'table' ? (next as Tokens.Table) : undefined;
};
const measured = (r: ScenarioResult) =>
  `${r.outcome} (${r.attempts.length}${r.stillRetryingAtEnd ? '+' : ''})`;

async function reportCompare(...args: string[]) {
  return execa('node', [CLI, 'report', 'compare', ...args], { reject: false });
}

describe('report compare --format pr on a matrix run', () => {
  let matrix: RunResults;
  let tokens: Token[];
  let stdout: string;

  beforeAll(async () => {
    matrix = await readResults(MATRIX);
    const run = await reportCompare(MATRIX, MATRIX, '--format', 'pr');
    expect(run.exitCode).toBe(0);
    stdout = run.stdout;
    tokens = lexer(stdout);
  });

  const cellOf = (variant: string, r: ScenarioResult) =>
    matrix.scenarios.find(
      (x) =>
        x.variant === variant &&
        x.cell?.rpc === r.cell?.rpc &&
        x.cell?.code === r.cell?.code &&
        x.cell?.pattern === r.cell?.pattern,
    ) as ScenarioResult;
  const upstream = () => matrix.scenarios.filter((r) => r.variant === 'upstream-v1alpha1');
  const measuredBoth = (r: ScenarioResult) =>
    ![r.outcome, cellOf('correct-fix', r).outcome].some((o) => o === 'never-called' || o === 'unavailable');

  it('compares upstream-v1alpha1 with correct-fix by default and titles the section so', () => {
    expect(pickVariants(matrix, matrix)).toEqual({
      baseVariant: 'upstream-v1alpha1',
      patchedVariant: 'correct-fix',
    });
    expect(tokens.find((t) => t.type === 'heading')).toMatchObject({
      depth: 2,
      text: 'correct-fix against upstream-v1alpha1',
    });
  });

  it('lists exactly the measured cells whose outcome changed, both sides as measured', () => {
    const t = sectionTable(tokens, 'Cells that changed') as Tokens.Table;
    expect(header(t)).toEqual([
      'RPC',
      'Code',
      'Pattern',
      'upstream-v1alpha1',
      'correct-fix',
      'correct-fix vs its policy',
    ]);
    const expected = upstream()
      .filter((r) => {
        const fixed = cellOf('correct-fix', r);
        return (
          measuredBoth(r) &&
          (r.outcome !== fixed.outcome ||
            (r.outcome !== 'unbounded' && attemptsMoved(r.attempts.length, fixed.attempts.length)))
        );
      })
      .map((r) => [
        r.cell?.rpc,
        r.cell?.code,
        r.cell?.pattern,
        measured(r),
        measured(cellOf('correct-fix', r)),
      ]);
    expect(expected.length).toBeGreaterThan(0);
    expect(rows(t).map((row) => row.slice(0, 5))).toEqual(expected);
  });

  it('does not call two unbounded loops a change for their counts (where the decider stopped watching)', () => {
    const loop = upstream().find(
      (r) => r.outcome === 'unbounded' && cellOf('correct-fix', r).outcome === 'unbounded',
    );
    expect(loop).toBeDefined();
    const fixedLoop = cellOf('correct-fix', loop as ScenarioResult);
    // The same file with that loop seen for 5 more attempts on the patched side: a count beyond noise.
    const longer: RunResults = {
      ...matrix,
      scenarios: matrix.scenarios.map((r) =>
        r === fixedLoop ? { ...r, attempts: [...r.attempts, ...r.attempts.slice(0, 5)] } : r,
      ),
    };
    expect(attemptsMoved(loop?.attempts.length ?? 0, (loop?.attempts.length ?? 0) + 5)).toBe(true);
    const keyOf = (p: { rpc?: string; code?: string; pattern?: string }) => `${p.rpc} ${p.code} ${p.pattern}`;
    const changed = comparePr(matrix, longer).changed.map(keyOf);
    expect(changed).not.toContain(keyOf({ ...loop?.cell }));
    // A bounded cell whose count moves is still a change.
    const bounded = upstream().find(
      (r) => r.outcome === 'bounded' && cellOf('correct-fix', r).outcome === 'bounded',
    );
    const fixedBounded = cellOf('correct-fix', bounded as ScenarioResult);
    const moved: RunResults = {
      ...matrix,
      scenarios: matrix.scenarios.map((r) =>
        r === fixedBounded ? { ...r, attempts: [...r.attempts, ...r.attempts.slice(0, 3)] } : r,
      ),
    };
    expect(comparePr(matrix, moved).changed.map(keyOf)).toContain(keyOf({ ...bounded?.cell }));
  });

  it('lists the cells of the patched variant that disagree with its declared policy, with the evidence', () => {
    const bad = matrix.scenarios.filter((r) => r.variant === 'correct-fix' && r.policy?.conforms === false);
    const t = sectionTable(tokens, 'Cells of correct-fix that still disagree');
    if (bad.length === 0) {
      expect(stdout).toContain('None: every cell of `correct-fix` conforms to its declared policy.');
      return;
    }
    expect(header(t as Tokens.Table)).toEqual([
      'RPC',
      'Code',
      'Pattern',
      'Declared / expected',
      'Observed',
      'Why',
    ]);
    expect(rows(t as Tokens.Table).map((r) => [r[0], r[1], r[2], r[3]])).toEqual(
      bad.map((r) => [r.cell?.rpc, r.cell?.code, r.cell?.pattern, r.policy?.declared]),
    );
  });

  it('gives one verdict line per code and transition, in a code block', () => {
    const block = tokens.find((t): t is Tokens.Code => t.type === 'code');
    const comparison = comparePr(matrix, matrix);
    expect(block?.text.split('\n')).toEqual(prVerdictLines(comparison));
    const create = upstream().find(
      (r) => r.cell?.rpc === 'create' && r.cell.code === 'InvalidArgument' && r.cell.pattern === 'always',
    );
    const fixed = cellOf('correct-fix', create as ScenarioResult);
    const line = prVerdictLines(comparison).find((l) => l.includes('create, always'));
    expect(line).toMatch(
      new RegExp(
        `^InvalidArgument: ${create?.outcome} \\(.*\\) -> ${fixed.outcome} \\(${fixed.attempts.length} attempts?\\)`,
      ),
    );
  });

  it('keeps cells never called on one side out of the verdict, with the reason', () => {
    const unmeasured = upstream().filter((r) => !measuredBoth(r));
    const t = sectionTable(tokens, 'Not measured on one side');
    if (unmeasured.length === 0) return expect(t).toBeUndefined();
    expect(rows(t as Tokens.Table).map((r) => r.slice(0, 3))).toEqual(
      unmeasured.map((r) => [r.cell?.rpc, r.cell?.code, r.cell?.pattern]),
    );
    for (const line of prVerdictLines(comparePr(matrix, matrix))) expect(line).not.toContain('never-called');
  });
});

describe('report compare --format pr on run results', () => {
  it('pairs the COSI-86 build with a run of the patched binary by scenario', async () => {
    const base = await readResults(COSI86);
    const fixed = await readResults(COSI86_FIXED);
    const run = await reportCompare(COSI86, COSI86_FIXED, '--format', 'pr');
    expect(run.exitCode).toBe(0);
    const tokens = lexer(run.stdout);
    const before = base.scenarios.find((r) => r.variant === 'v1alpha1-cosi86') as ScenarioResult;
    const after = fixed.scenarios[0] as ScenarioResult;
    const t = sectionTable(tokens, 'Cells that changed') as Tokens.Table;
    expect(header(t).slice(0, 5)).toEqual(['Scenario', 'RPC', 'Code', 'v1alpha1-cosi86', after.variant]);
    expect(rows(t)[0]?.slice(0, 5)).toEqual([
      'cosi-86',
      'create',
      'InvalidArgument',
      measured(before),
      measured(after),
    ]);
    // The run scenario states what upstream does: the fix fails it, and the report says why that is expected.
    expect(run.stdout).toContain('a fix is expected to disagree with them');
    const builds = tables(tokens).find((x) => header(x)[0] === 'Side') as Tokens.Table;
    expect(rows(builds).map((r) => r[1])).toEqual(['v1alpha1-cosi86', after.variant]);
  });

  it('asks which variant when the base file has several and none is an upstream base (exit 2)', async () => {
    const base = await readResults(COSI86);
    const others = { ...base, scenarios: base.scenarios.filter((r) => r.variant !== 'v1alpha1-cosi86') };
    expect(() => comparePr(others, others)).toThrow(PrComparisonError);
    expect(() => comparePr(others, others)).toThrow(/give --base-variant, one of v1alpha1-v0.1.0, /);
    const run = await reportCompare(COSI86, COSI86, '--format', 'pr', '--base-variant', 'nope');
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--base-variant nope is not in the base results');
  });
});
