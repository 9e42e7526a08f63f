// How many control planes the shards of a matrix start, with the matrix's own environment key on the real plan:
// the split keeps each RPC's planes whole, so sharding starts no plane twice unless a cut falls inside an RPC.
import { describe, expect, it } from 'vitest';
import {
  builtinMatrixVariants,
  cellsOfShard,
  defaultMatrixVariants,
  loadPolicy,
  planMatrix,
  policyFileFor,
  type RetryPolicy,
  type Scenario,
  type SidecarVariant,
} from '../harness/index.ts';
import { matrixEnvironmentKey } from './matrix-command.ts';

const variants = defaultMatrixVariants();
const policies = new Map<string, RetryPolicy>();
for (const v of variants) policies.set(v.name, await loadPolicy(policyFileFor(v.name, new Map()) as string));
const plan = planMatrix({ windowMs: 60_000, policies });
const planes = (scenarios: Scenario[]) =>
  new Set(
    scenarios.flatMap((s) =>
      s.variants.map((sv) =>
        matrixEnvironmentKey(s, variants.find((v) => v.name === sv.sidecar) as SidecarVariant),
      ),
    ),
  );
const whole = planes(plan).size;

describe('matrix --shard: control planes per shard (matrixEnvironmentKey, all four variants)', () => {
  it('the unsharded matrix starts 22 (4 RPCs x 4 variants, grant x AlreadyExists isolated per pattern on v1alpha1)', () => {
    expect(whole).toBe(22);
  });

  it.each([2, 4])('N=%i: the shards together start exactly those 22, none twice', (n) => {
    const perShard = Array.from({ length: n }, (_, i) =>
      planes(cellsOfShard(plan, { index: i + 1, count: n })),
    );
    expect(perShard.reduce((sum, p) => sum + p.size, 0)).toBe(whole);
    expect(new Set(perShard.flatMap((p) => [...p])).size).toBe(whole);
  });

  it('any N up to 16: at most one plane per variant more for each cut (N - 1 cuts)', () => {
    for (let n = 1; n <= 16; n++) {
      let sum = 0;
      for (let i = 1; i <= n; i++) sum += planes(cellsOfShard(plan, { index: i, count: n })).size;
      expect(sum, `N=${n}`).toBeLessThanOrEqual(whole + (n - 1) * variants.length);
    }
  });
});

describe('matrix --only tiered-fix: bounded cells in planes of their own', () => {
  it('puts the PermissionDenied and Unauthenticated cells of each RPC beside no other cell', async () => {
    const tiered = builtinMatrixVariants().find((v) => v.name === 'tiered-fix') as SidecarVariant;
    const policy = await loadPolicy(policyFileFor('tiered-fix', new Map()) as string);
    const cells = planMatrix({ windowMs: 60_000, policies: new Map([['tiered-fix', policy]]) });
    const byPlane = new Map<string, string[]>();
    for (const s of cells) {
      const key = matrixEnvironmentKey(s, tiered);
      byPlane.set(key, [...(byPlane.get(key) ?? []), s.name]);
    }
    expect([...byPlane.keys()].sort()).toEqual(
      [
        ...['create', 'delete', 'grant', 'revoke'].flatMap((r) => [
          `tiered-fix/${r}`,
          `tiered-fix/${r}-bounded`,
        ]),
        'tiered-fix/grant-crash-isolated-always',
        'tiered-fix/grant-crash-isolated-then-ok',
      ].sort(),
    );
    expect(byPlane.get('tiered-fix/grant-bounded')?.sort()).toEqual([
      'grant-permissiondenied-a',
      'grant-permissiondenied-t',
      'grant-unauthenticated-a',
      'grant-unauthenticated-t',
    ]);
  });
});
