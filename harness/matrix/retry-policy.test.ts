import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATRIX_RPCS, NON_OK_CODES } from './grpc-codes.ts';
import { expectationFor, planMatrix } from './matrix-plan.ts';
import { POLICY_DIR } from './matrix-variants.ts';
import { declaredFor, loadPolicy, PolicyError, parsePolicy } from './retry-policy.ts';

describe('declared retry policies', () => {
  const files = readdirSync(POLICY_DIR).filter((f) => f.endsWith('.yaml'));

  it('ships one policy per built-in variant', () => {
    expect(files.sort()).toEqual([
      'correct-fix.yaml',
      'seed-patch.yaml',
      'upstream-v1alpha1.yaml',
      'upstream-v1alpha2.yaml',
    ]);
  });

  for (const f of files) {
    it(`${f} classifies every code for every RPC`, async () => {
      const p = await loadPolicy(join(POLICY_DIR, f));
      for (const rpc of MATRIX_RPCS)
        for (const code of NON_OK_CODES)
          expect(['terminal', 'retried', 'success']).toContain(declaredFor(p, code, rpc));
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
