// How many control planes the shards of a matrix start, with the matrix's own environment key on the real plan:
// the split keeps each RPC's planes whole, so sharding starts no plane twice unless a cut falls inside an RPC.
import { describe, expect, it } from 'vitest';
import {
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
