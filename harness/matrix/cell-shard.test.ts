import { describe, expect, it } from 'vitest';
import type { MatrixCell } from '../results/run-results.ts';
import type { Scenario } from '../scenarios/scenario-types.ts';
import { BUILTIN_VARIANTS } from '../variants/sidecar-variants.ts';
import { assignShards, cellGroup, cellsOfShard, planDigest } from './cell-shard.ts';
import { planMatrix } from './matrix-plan.ts';
import { builtinMatrixVariants, policyFileFor } from './matrix-variants.ts';
import { loadPolicy, type RetryPolicy } from './retry-policy.ts';
import { planSweep } from './version-sweep.ts';

// The real plans: the full matrix on every built-in matrix variant with its declared policy, and the full sweep
// (both patterns) on every release.
async function fullMatrix(): Promise<Scenario[]> {
  const policies = new Map<string, RetryPolicy>();
  for (const v of builtinMatrixVariants())
    policies.set(v.name, await loadPolicy(policyFileFor(v.name, new Map()) as string));
  return planMatrix({ windowMs: 60_000, policies });
}
const fullSweep = () =>
  planSweep({
    windowMs: 60_000,
    patterns: ['always', 'then-ok'],
    variants: BUILTIN_VARIANTS.map((v) => v.name),
  });

const name = (c: MatrixCell) => `${c.rpc}/${c.code}/${c.pattern}`;

// A deterministic shuffle (no Math.random: a failure must reproduce).
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('assignShards on the real plans', () => {
  const plans = [
    ['matrix', fullMatrix],
    ['sweep', async () => fullSweep()],
  ] as const;

  it.each(plans)(
    '%s: 128 cells, each in exactly one shard, sizes within one of each other',
    async (_, plan) => {
      const cells = (await plan()).map((s) => s.cell as MatrixCell);
      expect(cells).toHaveLength(128);
      for (let n = 1; n <= 16; n++) {
        const shards = assignShards(cells, n);
        const sizes = Array.from({ length: n }, (_, i) => shards.filter((s) => s === i + 1).length);
        expect(
          shards.every((s) => Number.isInteger(s) && s >= 1 && s <= n),
          `N=${n}`,
        ).toBe(true);
        expect(
          sizes.reduce((a, b) => a + b),
          `N=${n}`,
        ).toBe(128);
        expect(Math.max(...sizes) - Math.min(...sizes), `N=${n}: ${sizes}`).toBeLessThanOrEqual(1);
      }
    },
  );

  it.each(plans)('%s: a cell lands in the same shard whatever order the plan comes in', async (_, plan) => {
    const cells = (await plan()).map((s) => s.cell as MatrixCell);
    for (const n of [2, 3, 5, 8]) {
      const reference = new Map(assignShards(cells, n).map((s, i) => [name(cells[i] as MatrixCell), s]));
      for (const seed of [1, 7, 42]) {
        const order = shuffled(cells, seed);
        const again = assignShards(order, n);
        for (const [i, c] of order.entries())
          expect(again[i], `N=${n} ${name(c)}`).toBe(reference.get(name(c)));
      }
      // Copies of the cells (as read back from a results file), not the planned objects, give the same split.
      expect(assignShards(JSON.parse(JSON.stringify(cells)) as MatrixCell[], n)).toEqual(
        assignShards(cells, n),
      );
    }
  });

  it('keeps RPC groups whole: N = 2 and 4 split none; any N splits at most N - 1', async () => {
    const cells = (await fullMatrix()).map((s) => s.cell as MatrixCell);
    const groupsOf = (n: number) => {
      const shards = assignShards(cells, n);
      return Array.from(
        { length: n },
        (_, i) => new Set(cells.filter((_, k) => shards[k] === i + 1).map(cellGroup)),
      );
    };
    expect(groupsOf(2).map((g) => [...g])).toEqual([
      ['create', 'delete'],
      ['grant', 'revoke'],
    ]);
    expect(groupsOf(4).map((g) => [...g])).toEqual([['create'], ['delete'], ['grant'], ['revoke']]);
    for (let n = 1; n <= 16; n++) {
      const pairs = groupsOf(n).reduce((sum, g) => sum + g.size, 0);
      expect(pairs, `N=${n}`).toBeLessThanOrEqual(4 + n - 1);
    }
  });

  it('cellsOfShard returns each shard its cells in plan order, and together the whole plan once', async () => {
    const plan = await fullMatrix();
    const parts = [1, 2, 3].map((index) => cellsOfShard(plan, { index, count: 3 }));
    const seen = parts.flat();
    expect(seen).toHaveLength(plan.length);
    expect(new Set(seen).size).toBe(plan.length);
    for (const part of parts) expect(part).toEqual(plan.filter((s) => part.includes(s)));
  });

  it('refuses a cell given twice', () => {
    const c: MatrixCell = { rpc: 'create', code: 'Internal', pattern: 'always' };
    expect(() => assignShards([c, { ...c }], 2)).toThrow(/twice/);
  });

  it('planDigest: equal plans give equal digests, any difference another', async () => {
    const a = await fullMatrix();
    const b = await fullMatrix();
    expect(planDigest(a)).toBe(planDigest(b));
    expect(planDigest(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(planDigest(a.map((s) => ({ ...s, windowMs: 30_000 })))).not.toBe(planDigest(a));
  });
});
