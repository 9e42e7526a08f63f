import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATRIX_RPCS, NON_OK_CODES } from './grpc-codes.ts';
import { expectationFor, planMatrix } from './matrix-plan.ts';
import { POLICY_DIR } from './matrix-variants.ts';
import { boundedFor, declaredFor, loadPolicy, PolicyError, parsePolicy } from './retry-policy.ts';

describe('declared retry policies', () => {
  const files = readdirSync(POLICY_DIR).filter((f) => f.endsWith('.yaml'));

  it('ships one policy per built-in variant', () => {
    expect(files.sort()).toEqual([
      'correct-fix.yaml',
      'seed-patch.yaml',
      'tiered-fix.yaml',
      'upstream-v1alpha1.yaml',
      'upstream-v1alpha2.yaml',
    ]);
  });

  for (const f of files) {
    it(`${f} classifies every code for every RPC`, async () => {
      const p = await loadPolicy(join(POLICY_DIR, f));
      for (const rpc of MATRIX_RPCS)
        for (const code of NON_OK_CODES)
          expect(['terminal', 'retried', 'success', 'bounded']).toContain(declaredFor(p, code, rpc));
    });
  }

  it('says what each variant claims for the COSI-86 cell', async () => {
    const claim = async (v: string) =>
      declaredFor(await loadPolicy(join(POLICY_DIR, `${v}.yaml`)), 'InvalidArgument', 'create');
    expect(await claim('upstream-v1alpha1')).toBe('retried');
    expect(await claim('seed-patch')).toBe('terminal');
    expect(await claim('correct-fix')).toBe('terminal');
    expect(await claim('upstream-v1alpha2')).toBe('terminal');
  });

  it('per-RPC lists win: delete NotFound is success for correct-fix, grant OutOfRange terminal for v1alpha2', async () => {
    expect(declaredFor(await loadPolicy(join(POLICY_DIR, 'correct-fix.yaml')), 'NotFound', 'delete')).toBe(
      'success',
    );
    expect(
      declaredFor(await loadPolicy(join(POLICY_DIR, 'upstream-v1alpha2.yaml')), 'OutOfRange', 'grant'),
    ).toBe('terminal');
    expect(
      declaredFor(await loadPolicy(join(POLICY_DIR, 'upstream-v1alpha2.yaml')), 'OutOfRange', 'create'),
    ).toBe('retried');
  });

  it('rejects a policy that leaves a code unclassified, names an unknown code, or has unknown keys', () => {
    expect(() => parsePolicy('variant: x\nterminal: [InvalidArgument]\nretried: []\n', 'p.yaml')).toThrow(
      /Canceled on create is in none of/,
    );
    expect(() => parsePolicy('variant: x\nterminal: [Bogus]\nretried: []\n', 'p.yaml')).toThrow(PolicyError);
    expect(() => parsePolicy('variant: x\nterminal: []\nretried: []\nretries: 3\n', 'p.yaml')).toThrow(
      /p\.yaml/,
    );
  });
});

describe('bounded retries in a policy', () => {
  const tiered = `variant: t
terminal: [InvalidArgument, AlreadyExists, FailedPrecondition, OutOfRange, Unimplemented, DataLoss, NotFound]
retried: [Unavailable, DeadlineExceeded, ResourceExhausted, Aborted, Internal, Unknown, Canceled]
bounded:
  - codes: [PermissionDenied, Unauthenticated]
    retried: { times: 3, intervals: [60s, 120s, 300s], then: terminal }
`;

  it('tiered-fix.yaml bounds PermissionDenied and Unauthenticated on every RPC, 1m/2m/5m then terminal', async () => {
    const p = await loadPolicy(join(POLICY_DIR, 'tiered-fix.yaml'));
    for (const rpc of MATRIX_RPCS) {
      expect(declaredFor(p, 'PermissionDenied', rpc)).toBe('bounded');
      expect(boundedFor(p, 'Unauthenticated', rpc)?.retried).toEqual({
        times: 3,
        intervals: ['60s', '120s', '300s'],
        // biome-ignore lint/suspicious/noThenProperty: `then` is the policy grammar's field (schemas/retry-policy.schema.json)
        then: 'terminal',
      });
      expect(declaredFor(p, 'Unavailable', rpc)).toBe('retried');
      expect(declaredFor(p, 'InvalidArgument', rpc)).toBe('terminal');
    }
    expect(declaredFor(p, 'NotFound', 'create')).toBe('terminal');
    expect(declaredFor(p, 'NotFound', 'delete')).toBe('success');
  });

  it('names file, line and path of each problem: intervals per retry, a code in two classes, unknown keys', () => {
    const problemsOf = (text: string): string[] => {
      try {
        parsePolicy(text, 'p.yaml');
      } catch (e) {
        if (e instanceof PolicyError) return e.message.split('\n');
        throw e;
      }
      return [];
    };
    expect(problemsOf(tiered)).toEqual([]);
    expect(problemsOf(tiered.replace('[60s, 120s, 300s]', '[60s, 120s]'))).toEqual([
      'p.yaml:6: bounded.0.retried.intervals: 2 interval(s) for 3 retries: give one per retry',
    ]);
    expect(
      problemsOf(tiered.replace('retried: [Unavailable,', 'retried: [PermissionDenied, Unavailable,')),
    ).toEqual([
      'p.yaml:5: bounded.0.codes: PermissionDenied on create is also in terminal, retried or a ...ByRpc list: keep it in one class',
      'p.yaml:5: bounded.0.codes: PermissionDenied on delete is also in terminal, retried or a ...ByRpc list: keep it in one class',
      'p.yaml:5: bounded.0.codes: PermissionDenied on grant is also in terminal, retried or a ...ByRpc list: keep it in one class',
      'p.yaml:5: bounded.0.codes: PermissionDenied on revoke is also in terminal, retried or a ...ByRpc list: keep it in one class',
    ]);
    expect(problemsOf(tiered.replace('then: terminal', 'then: retried, tries: 2'))).toEqual([
      'p.yaml:6: bounded.0.retried.tries: unknown field "tries"',
      'p.yaml:6: bounded.0.retried.then: must be one of terminal',
    ]);
    expect(problemsOf(tiered.replace('intervals: [60s,', 'intervals: [soon,'))).toEqual([
      'p.yaml:6: bounded.0.retried.intervals.0: must match pattern "^[0-9]+(ms|s|m)$"',
    ]);
  });

  it('a bounded cell expects exactly times + 1 calls at the declared waits divided by the time scale', () => {
    const retry = parsePolicy(tiered, 'p.yaml').bounded?.[0];
    if (!retry) throw new Error('no bounded entry');
    const intervals = {
      expectedMs: [1000, 2000, 5000],
      toleranceRatio: 0.2,
      toleranceMs: 250,
      timeScale: 60,
    };
    expect(expectationFor('bounded', 'always', 3, { retry, timeScale: 60 })).toEqual({
      outcome: 'bounded',
      attempts: 4,
      stillRetrying: false,
      retryIntervals: intervals,
    });
    expect(expectationFor('bounded', 'then-ok', 3, { retry, timeScale: 60 })).toEqual({
      outcome: 'bounded',
      attemptsUntilOk: 4,
      retryIntervals: intervals,
    });
    // Real time: the same cell expects the real waits.
    expect(
      expectationFor('bounded', 'always', 3, { retry, timeScale: 1 }).retryIntervals?.expectedMs,
    ).toEqual([60_000, 120_000, 300_000]);
  });
});

describe('matrix plan', () => {
  it('expectations follow the declared class and the pattern', () => {
    expect(expectationFor('terminal', 'always', 3)).toEqual({ outcome: 'terminal', attempts: 1 });
    expect(expectationFor('success', 'then-ok', 3)).toEqual({ outcome: 'terminal', attempts: 1 });
    expect(expectationFor('retried', 'always', 3)).toEqual({
      outcome: 'unbounded',
      minAttempts: 3,
      stillRetrying: true,
    });
    expect(expectationFor('retried', 'then-ok', 3)).toEqual({ outcome: 'bounded', attemptsUntilOk: 4 });
  });

  it('has 16 codes x 4 RPCs x 2 patterns, each with its trigger and a scoped rule', async () => {
    const policies = new Map([
      ['upstream-v1alpha1', await loadPolicy(join(POLICY_DIR, 'upstream-v1alpha1.yaml'))],
    ]);
    const plan = planMatrix({ windowMs: 60_000, policies });
    expect(plan).toHaveLength(128);
    expect(new Set(plan.map((s) => s.name)).size).toBe(128);
    const revoke = plan.find((s) => s.name === 'revoke-invalidargument-t');
    expect(revoke?.trigger).toBe('delete-access');
    expect(revoke?.rules[0]).toMatchObject({
      match: { rpc: 'revoke' },
      action: { sequence: [{ times: 3 }, { action: { backend: {} } }] },
    });
  });
});
