import { describe, expect, it } from 'vitest';
import type { MatrixCell, Outcome, RunResults, ScenarioResult } from '../results/run-results.ts';
import { budgetExceeded, checkExpectation } from '../runner/decide/verdict.ts';
import { BUILTIN_VARIANTS } from '../variants/sidecar-variants.ts';
import { inReleaseOrder, planSweep, SWEEP_EXPECTATION, versionSweep } from './version-sweep.ts';

const RELEASES = [
  'v1alpha1-v0.1.0',
  'v1alpha1-cosi86',
  'v1alpha1-v0.2.0',
  'v1alpha1-v0.2.1',
  'v1alpha1-v0.2.2',
  'v1alpha2-main',
];

/** A result as suite-runner writes it, with `attempts` attempts 1 s apart. */
function result(
  variant: string,
  cell: Omit<MatrixCell, 'pattern'> & { pattern?: MatrixCell['pattern'] },
  outcome: Outcome,
  attempts: number,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  const full: MatrixCell = { pattern: 'always', ...cell };
  return {
    scenario: `${full.rpc}-${full.code.toLowerCase()}-a`,
    file: '(sweep)',
    variant,
    era: variant.startsWith('v1alpha2') ? 'v1alpha2' : 'v1alpha1',
    rpc: full.rpc,
    outcome,
    attempts: Array.from({ length: attempts }, (_, i) => ({
      seq: i + 1,
      wallTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      offsetMs: i * 1000,
      code: full.code,
    })),
    intervalsMs: Array.from({ length: Math.max(0, attempts - 1) }, () => 1000),
    windowMs: outcome === 'unavailable' ? 0 : 60_000,
    stillRetryingAtEnd: outcome === 'unbounded',
    objects: [],
    events: [],
    sidecarRestarts: outcome === 'crashed' ? 2 : 0,
    expectation: 'terminal; exactly 1 attempt(s)',
    verdict: outcome === 'unavailable' ? 'skipped' : outcome === 'terminal' ? 'pass' : 'fail',
    verdictReason: outcome === 'unavailable' ? 'module not served by the proxy' : 'measured',
    cell: full,
    ...extra,
  };
}

function run(scenarios: ScenarioResult[]): RunResults {
  return {
    schemaVersion: 1,
    tool: { name: 'cosi-chaos', version: '0.1.0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    backend: 'local',
    windowMs: 60_000,
    components: [],
    scenarios,
    loadErrors: [],
  };
}

/** One cell over every release, outcomes and attempts given oldest release first. */
function cellAcross(
  cell: Omit<MatrixCell, 'pattern'> & { pattern?: MatrixCell['pattern'] },
  measured: [Outcome, number][],
): ScenarioResult[] {
  return measured.map(([o, n], i) => result(RELEASES[i] as string, cell, o, n));
}

describe('inReleaseOrder', () => {
  it('orders the built-in variants by release date, COSI-86 after v0.1.0', () => {
    expect(inReleaseOrder(BUILTIN_VARIANTS).map((v) => v.name)).toEqual(RELEASES);
  });

  it('refuses a variant without a release date', () => {
    expect(() => inReleaseOrder([{ name: 'v9' }])).toThrow(/v9 has no release date/);
  });
});

describe('planSweep', () => {
  it('plans the matrix cells with the same names, one neutral expectation per variant and no policy', () => {
    const plan = planSweep({
      codes: ['InvalidArgument', 'Unavailable'],
      rpcs: ['create', 'revoke'],
      windowMs: 20_000,
      variants: ['v1alpha1-v0.1.0', 'v1alpha2-main'],
    });
    expect(plan.map((s) => s.name)).toEqual([
      'create-invalidargument-a',
      'create-unavailable-a',
      'revoke-invalidargument-a',
      'revoke-unavailable-a',
    ]);
    for (const s of plan) {
      expect(s.windowMs).toBe(20_000);
      expect(s.cell?.pattern).toBe('always');
      expect(s.variants).toEqual([
        { sidecar: 'v1alpha1-v0.1.0', expect: SWEEP_EXPECTATION },
        { sidecar: 'v1alpha2-main', expect: SWEEP_EXPECTATION },
      ]);
      expect(s.variants.every((v) => v.declared === undefined)).toBe(true);
    }
    expect(plan[2]?.trigger).toBe('delete-access');
  });

  it('plans both patterns when asked', () => {
    const plan = planSweep({
      codes: ['Aborted'],
      rpcs: ['grant'],
      patterns: ['always', 'then-ok'],
      windowMs: 1000,
      variants: ['v1alpha2-main'],
    });
    expect(plan.map((s) => s.name)).toEqual(['grant-aborted-a', 'grant-aborted-t']);
  });

  it('passes exactly when the cell is terminal, whatever else was observed', () => {
    const check = (outcome: 'terminal' | 'unbounded' | 'never-called', n: number) =>
      checkExpectation({
        expect: SWEEP_EXPECTATION,
        outcome: { outcome, stillRetryingAtEnd: outcome === 'unbounded', intervalsMs: [] },
        attempts: result('v1alpha2-main', { rpc: 'create', code: 'Aborted' }, outcome, n).attempts,
        events: [],
        objects: [{ kind: 'Bucket', name: 'b', status: {} }],
      });
    expect(check('terminal', 1)).toEqual([]);
    expect(check('unbounded', 9)).not.toEqual([]);
    expect(check('never-called', 0)).not.toEqual([]);
  });

  it('sets no attempt budget, so a retried cell is observed for the whole window', () => {
    expect(budgetExceeded(SWEEP_EXPECTATION, 1000)).toBe(false);
  });
});

describe('versionSweep', () => {
  it('names the first release where a cell is terminal', () => {
    const sweep = versionSweep(
      run(
        cellAcross({ rpc: 'create', code: 'InvalidArgument' }, [
          ['unbounded', 12],
          ['unbounded', 10],
          ['unbounded', 10],
          ['unbounded', 10],
          ['unbounded', 10],
          ['terminal', 1],
        ]),
      ),
      RELEASES,
    );
    expect(sweep.complete).toBe(true);
    expect(sweep.patterns).toEqual(['always']);
    expect(sweep.windowMs).toBe(60_000);
    const [row] = sweep.rows;
    expect(row).toMatchObject({
      rpc: 'create',
      code: 'InvalidArgument',
      pattern: 'always',
      firstTerminal: 'v1alpha2-main',
      unmeasuredBefore: [],
      regressedIn: [],
    });
    expect(row?.entries[0]).toEqual({
      variant: 'v1alpha1-v0.1.0',
      status: 'measured',
      outcome: 'unbounded',
      attempts: 12,
      stillRetryingAtEnd: true,
      sidecarRestarts: 0,
    });
  });

  it('says never when no measured release is terminal', () => {
    const sweep = versionSweep(
      run(
        cellAcross(
          { rpc: 'create', code: 'Unavailable' },
          RELEASES.map(() => ['unbounded', 9]),
        ),
      ),
      RELEASES,
    );
    expect(sweep.rows[0]?.firstTerminal).toBe('never');
    expect(sweep.rows[0]?.regressedIn).toEqual([]);
  });

  it('reports releases that retry (or crash on) a code again after an older one was terminal', () => {
    const sweep = versionSweep(
      run(
        cellAcross({ rpc: 'grant', code: 'AlreadyExists' }, [
          ['unbounded', 8],
          ['crashed', 3],
          ['terminal', 1],
          ['bounded', 2],
          ['terminal', 1],
          ['crashed', 1],
        ]),
      ),
      RELEASES,
    );
    const row = sweep.rows[0];
    expect(row?.firstTerminal).toBe('v1alpha1-v0.2.0');
    expect(row?.regressedIn).toEqual(['v1alpha1-v0.2.1', 'v1alpha2-main']);
    expect(row?.entries[1]).toMatchObject({ status: 'measured', outcome: 'crashed', sidecarRestarts: 2 });
  });

  it('treats a measured never-called cell as measured, not terminal, and not as a regression', () => {
    // v0.1.0 never calls revoke; v1alpha2 never calls DriverDeleteBucket.
    const sweep = versionSweep(
      run([
        ...cellAcross({ rpc: 'revoke', code: 'Internal' }, [
          ['never-called', 0],
          ['unbounded', 7],
          ['terminal', 1],
          ['terminal', 1],
          ['terminal', 1],
          ['unbounded', 14],
        ]),
        ...cellAcross({ rpc: 'delete', code: 'Internal' }, [
          ['terminal', 1],
          ['unbounded', 7],
          ['unbounded', 7],
          ['unbounded', 7],
          ['unbounded', 7],
          ['never-called', 0],
        ]),
      ]),
      RELEASES,
    );
    expect(sweep.complete).toBe(true);
    const [revoke, del] = sweep.rows;
    expect(revoke?.entries[0]).toMatchObject({ status: 'measured', outcome: 'never-called', attempts: 0 });
    expect(revoke?.firstTerminal).toBe('v1alpha1-v0.2.0');
    expect(revoke?.unmeasuredBefore).toEqual([]);
    expect(revoke?.regressedIn).toEqual(['v1alpha2-main']);
    expect(del?.firstTerminal).toBe('v1alpha1-v0.1.0');
    expect(del?.regressedIn).toEqual([
      'v1alpha1-cosi86',
      'v1alpha1-v0.2.0',
      'v1alpha1-v0.2.1',
      'v1alpha1-v0.2.2',
    ]);
  });

  it('keeps unavailable and not-triggered releases apart from measured ones and flags an uncertain first', () => {
    const notTriggered = result('v1alpha1-v0.2.0', { rpc: 'delete', code: 'Aborted' }, 'never-called', 0, {
      windowMs: 0,
      verdictReason:
        'the claim never became ready (its bucket was never created), so the RPC could not be triggered',
    });
    const sweep = versionSweep(
      run([
        result('v1alpha1-v0.1.0', { rpc: 'delete', code: 'Aborted' }, 'unbounded', 6),
        result('v1alpha1-cosi86', { rpc: 'delete', code: 'Aborted' }, 'unavailable', 0),
        notTriggered,
        result('v1alpha1-v0.2.1', { rpc: 'delete', code: 'Aborted' }, 'terminal', 1),
        result('v1alpha1-v0.2.2', { rpc: 'delete', code: 'Aborted' }, 'terminal', 1),
        // v1alpha2-main: no result at all for this cell.
      ]),
      RELEASES,
    );
    expect(sweep.complete).toBe(false);
    const row = sweep.rows[0];
    expect(row?.firstTerminal).toBe('v1alpha1-v0.2.1');
    expect(row?.unmeasuredBefore).toEqual(['v1alpha1-cosi86', 'v1alpha1-v0.2.0']);
    expect(row?.entries.map((e) => e.status)).toEqual([
      'measured',
      'unavailable',
      'not-triggered',
      'measured',
      'measured',
      'absent',
    ]);
    expect(row?.entries[1]).toEqual({
      variant: 'v1alpha1-cosi86',
      status: 'unavailable',
      reason: 'module not served by the proxy',
    });
    expect(row?.entries[2]).toMatchObject({ status: 'not-triggered', reason: /never became ready/ });
  });

  it('lists every unmeasured release before a cell that is never terminal', () => {
    const sweep = versionSweep(
      run([
        result('v1alpha1-v0.1.0', { rpc: 'create', code: 'Internal' }, 'unavailable', 0),
        result('v1alpha2-main', { rpc: 'create', code: 'Internal' }, 'unbounded', 20),
      ]),
      ['v1alpha1-v0.1.0', 'v1alpha2-main'],
    );
    expect(sweep.rows[0]).toMatchObject({ firstTerminal: 'never', unmeasuredBefore: ['v1alpha1-v0.1.0'] });
  });

  it('keeps patterns apart, follows the given variant order and ignores results of other variants', () => {
    const sweep = versionSweep(
      run([
        result('v1alpha2-main', { rpc: 'create', code: 'Aborted', pattern: 'then-ok' }, 'bounded', 4),
        result('v1alpha1-v0.1.0', { rpc: 'create', code: 'Aborted', pattern: 'then-ok' }, 'terminal', 1),
        result('v1alpha2-main', { rpc: 'create', code: 'Aborted' }, 'unbounded', 14),
        result('v1alpha1-v0.1.0', { rpc: 'create', code: 'Aborted' }, 'unbounded', 9),
        result('seed-patch', { rpc: 'create', code: 'Aborted' }, 'terminal', 1),
        { ...result('v1alpha2-main', { rpc: 'create', code: 'Aborted' }, 'terminal', 1), cell: undefined },
      ]),
      ['v1alpha1-v0.1.0', 'v1alpha2-main'],
    );
    expect(sweep.variants).toEqual(['v1alpha1-v0.1.0', 'v1alpha2-main']);
    expect(sweep.patterns).toEqual(['then-ok', 'always']);
    expect(sweep.rows.map((r) => [r.pattern, r.firstTerminal, r.regressedIn])).toEqual([
      ['then-ok', 'v1alpha1-v0.1.0', ['v1alpha2-main']],
      ['always', 'never', []],
    ]);
    expect(sweep.rows[1]?.entries.map((e) => e.variant)).toEqual(['v1alpha1-v0.1.0', 'v1alpha2-main']);
  });
});

describe('versionSweep: RPCs a release never makes', () => {
  it('a never-called entry of a release that declares the RPC carries the upstream evidence; others do not', () => {
    const declared = new Map(BUILTIN_VARIANTS.map((v) => [v.name, v.neverCalls ?? []]));
    const sweep = versionSweep(
      run([
        result('v1alpha2-main', { rpc: 'revoke', code: 'Internal' }, 'never-called', 0),
        result('v1alpha1-cosi86', { rpc: 'revoke', code: 'Internal' }, 'never-called', 0),
      ]),
      ['v1alpha1-cosi86', 'v1alpha2-main'],
      declared,
    );
    const [cosi86, v1alpha2] = sweep.rows[0]?.entries ?? [];
    expect(v1alpha2).toMatchObject({ status: 'measured', outcome: 'never-called' });
    expect(v1alpha2 && 'declaredNeverCalled' in v1alpha2 && v1alpha2.declaredNeverCalled).toMatch(
      /sidecar\/pkg\/reconciler\/bucketaccess\.go .*SetupWithManager/,
    );
    // 6a5a12c does call revoke: a cell it never called is a finding, not a declaration.
    expect(cosi86 && 'declaredNeverCalled' in cosi86).toBe(false);
  });
});
