import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { startCli } from './cli-run.ts';

// The four variants side by side in one window on the real builds (v1alpha1 ones on the COSI-86 sidecar 6a5a12c): the COSI-86 cell (InvalidArgument on
// every create) and a fails-3-then-OK cell (Unavailable 3 times on create, then OK).
describe('matrix: four variants, COSI-86 cell and a 3-then-OK cell', () => {
  let out: string;
  let results: RunResults;
  let log = '';
  let exitCode: number | undefined;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cosi-chaos-matrix-'));
    const run = await startCli([
      'matrix',
      '--codes',
      'InvalidArgument,Unavailable',
      '--rpcs',
      'create',
      '--window',
      '45s',
      '--out',
      out,
    ]);
    log = String(run.all);
    exitCode = run.exitCode;
    results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults;
  }, 30 * 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const cell = (variant: string, code: string, pattern: 'always' | 'then-ok'): ScenarioResult => {
    const r = results.scenarios.find(
      (s) =>
        s.variant === variant &&
        s.cell?.code === code &&
        s.cell.rpc === 'create' &&
        s.cell.pattern === pattern,
    );
    if (!r) throw new Error(`no ${variant} ${code} ${pattern} cell:\n${log}`);
    return r;
  };

  it('upstream-v1alpha1 retries InvalidArgument without end (as it declares)', () => {
    const r = cell('upstream-v1alpha1', 'InvalidArgument', 'always');
    expect(r.outcome).toBe('unbounded');
    expect(r.attempts.length).toBeGreaterThanOrEqual(5);
    expect(r.policy?.conforms).toBe(true);
  });

  it('seed-patch still retries InvalidArgument: it does not do what it declares', () => {
    const r = cell('seed-patch', 'InvalidArgument', 'always');
    expect(r.outcome).toBe('unbounded');
    expect(r.attempts.length).toBeGreaterThanOrEqual(5);
    expect(r.policy).toMatchObject({ declared: 'terminal', conforms: false });
  });

  it('correct-fix makes exactly one attempt on InvalidArgument', () => {
    const r = cell('correct-fix', 'InvalidArgument', 'always');
    expect(r.outcome).toBe('terminal');
    expect(r.attempts).toHaveLength(1);
    expect(r.policy?.conforms).toBe(true);
  });

  for (const variant of ['upstream-v1alpha1', 'seed-patch', 'correct-fix']) {
    it(`${variant}: Unavailable 3 times then OK is retried to success and stops`, () => {
      const r = cell(variant, 'Unavailable', 'then-ok');
      expect(r.outcome).toBe('bounded');
      expect(r.attempts.map((a) => a.code)).toEqual(['Unavailable', 'Unavailable', 'Unavailable', 'OK']);
    });
  }

  it('upstream-v1alpha2: terminal on InvalidArgument, retried to success on Unavailable (built, never skipped)', () => {
    const a = cell('upstream-v1alpha2', 'InvalidArgument', 'always');
    const t = cell('upstream-v1alpha2', 'Unavailable', 'then-ok');
    expect(a.outcome, a.verdictReason).toBe('terminal');
    expect(a.attempts).toHaveLength(1);
    expect(a.policy?.conforms).toBe(true);
    expect(t.outcome, t.verdictReason).toBe('bounded');
    expect(t.attempts.map((x) => x.code)).toEqual(['Unavailable', 'Unavailable', 'Unavailable', 'OK']);
  });

  it('exits 1 because seed-patch does not conform (the CI gate), after writing every report', async () => {
    expect(exitCode, log).toBe(1);
    expect(await readFile(join(out, 'results.md'), 'utf8')).toContain('seed-patch');
    expect(await readFile(join(out, 'results.junit.xml'), 'utf8')).toContain('<testsuite');
  });
});
