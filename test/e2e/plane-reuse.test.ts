import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { readRunResults, startCli } from './cli-run.ts';

// The reasons scenarios get a group of their own (harness/runner/suite-runner.ts) argue against sharing a plane at
// the same time, not one after the other: a reused plane, reset in between, must give each pair the outcome, count
// and witnesses a fresh plane gives. Both variants build on 6a5a12c and share its CRDs, so with --planes 1 every
// group of the run takes the same plane in turn; with --planes 8 each group has a fresh one.
const SCENARIOS = [
  // v1alpha1's Event broadcaster: cosi-86's refused Events queue ~108 s in a sidecar; cosi-86-events expects its
  // own Event to land.
  'scenarios/cosi-86.yaml',
  'scenarios/cosi-86-events.yaml',
  // The API-fault proxy sees every request of its plane: it must be swapped, not carried to the next group.
  'scenarios/api-429-storm.yaml',
  // Deleting a claim: the controller's 5 requests/s decide whether it protects the claim in time, and the 6a5a12c
  // sidecar strips another driver's Bucket finalizer (seed-patch and v1alpha1-cosi86 delete in turn here).
  'scenarios/bucket-not-empty.yaml',
];
const VARIANTS = ['--sidecar', 'v1alpha1-cosi86', '--sidecar', 'seed-patch'];

describe('a reused control plane gives the outcomes a fresh one gives', () => {
  let out: string;
  let fresh: RunResults;
  let reused: RunResults;
  let reusedLog = '';

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cosi-chaos-reuse-'));
    // One after the other: side by side they would share two cores and time each other.
    const f = await startCli([
      'run',
      ...SCENARIOS,
      ...VARIANTS,
      '--planes',
      '8',
      '--out',
      join(out, 'fresh'),
    ]);
    fresh = await readRunResults<RunResults>(join(out, 'fresh'), f);
    const r = await startCli([
      'run',
      ...SCENARIOS,
      ...VARIANTS,
      '--planes',
      '1',
      '--out',
      join(out, 'reused'),
    ]);
    reusedLog = String(r.all);
    reused = await readRunResults<RunResults>(join(out, 'reused'), r);
  }, 30 * 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const key = (r: ScenarioResult) => `${r.scenario}/${r.variant}`;

  it('ran every group but the first on the one plane, reset in between', () => {
    const t = reused.timing;
    expect(t?.planes, reusedLog).toBe(1);
    expect(t?.groups).toBeGreaterThanOrEqual(5);
    expect(t?.planesReused).toBe((t?.groups ?? 0) - 1);
    const onReused = reused.scenarios.filter((r) => r.phases?.['control plane reused'] !== undefined);
    expect(onReused.length).toBeGreaterThanOrEqual(reused.scenarios.length - 2);
    // The fresh run: a plane per group.
    expect(fresh.timing?.planesReused).toBe(0);
    expect(fresh.timing?.planes).toBe(fresh.timing?.groups);
  });

  it.each(SCENARIOS.map((s) => s.replace(/^scenarios\/|\.yaml$/g, '')))(
    '%s: same verdict, outcome, count, Events and witnesses on the reused plane',
    (scenario) => {
      const pairs = reused.scenarios.filter((r) => r.scenario === scenario);
      expect(pairs.length).toBeGreaterThan(0);
      for (const r of pairs) {
        const f = fresh.scenarios.find((x) => key(x) === key(r));
        expect(f, key(r)).toBeDefined();
        if (!f) continue;
        expect(r.verdict, `${key(r)}: ${r.verdictReason}`).toBe('pass');
        expect(f.verdict, `${key(f)} (fresh): ${f.verdictReason}`).toBe('pass');
        expect(r.outcome, key(r)).toBe(f.outcome);
        // A terminal, bounded or never-called count is exact; an unbounded one grows with the time observed.
        if (r.outcome === 'unbounded') expect(r.attempts.length, key(r)).toBeGreaterThan(1);
        else expect(r.attempts.length, key(r)).toBe(f.attempts.length);
        expect(new Set(r.events.map((e) => e.reason)), key(r)).toEqual(
          new Set(f.events.map((e) => e.reason)),
        );
        expect((r.eventsRefused ?? []).map((e) => e.reason).sort(), key(r)).toEqual(
          (f.eventsRefused ?? []).map((e) => e.reason).sort(),
        );
        expect(r.witnesses?.verdict, `${key(r)}: ${r.witnesses?.verdictReason}`).toBe(f.witnesses?.verdict);
      }
    },
  );
});
