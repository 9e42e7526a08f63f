import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { readRunResults, startCli } from './cli-run.ts';

// End to end through the CLI with a real driver (spec.driver: sample): per control plane the upstream sample
// driver in front of its own versitygw server, the interposer in front of it, the real COSI-86 sidecar and its
// controller. One release only, to stay quick: scenarios/real-driver runs them all.
describe('scenarios in front of the real sample driver', () => {
  let out: string;
  let results: RunResults;
  let exitCode: number | undefined;
  let log = '';

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cosi-chaos-e2e-real-'));
    const run = await startCli([
      'run',
      'scenarios/real-driver/happy-path.yaml',
      'scenarios/real-driver/delete-absent-bucket.yaml',
      '--sidecar',
      'v1alpha1-cosi86',
      '--out',
      out,
    ]);
    exitCode = run.exitCode;
    log = String(run.all);
    results = await readRunResults<RunResults>(out, run);
  }, 30 * 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const result = (scenario: string): ScenarioResult => {
    const r = results.scenarios.find((s) => s.scenario === scenario && s.variant === 'v1alpha1-cosi86');
    if (!r) throw new Error(`no result for ${scenario}:\n${log}`);
    return r;
  };

  it('exits 0 and names the sample driver and versitygw among the components', () => {
    expect(exitCode, log).toBe(0);
    const names = results.components.map((c) => `${c.name} ${c.version}`);
    expect(names).toContain('sample-cosi-driver v0.0.0-20251204184456-da878842e4c3');
    expect(names).toContain('versitygw v1.8.0');
  });

  it('happy path: create, grant, revoke once each, all answered by the driver; the bucket is in the S3 data dir', () => {
    const r = result('sample-happy-access');
    expect(r.verdict, r.verdictReason).toBe('pass');
    expect(r.realDriver?.answers).toEqual([
      { rpc: 'create', answeredBy: 'driver', code: 'OK', count: 1 },
      { rpc: 'grant', answeredBy: 'driver', code: 'OK', count: 1 },
      { rpc: 'revoke', answeredBy: 'driver', code: 'OK', count: 1 },
    ]);
    expect(r.realDriver?.backend?.state).toBe('present');
    expect(r.realDriver?.backend?.buckets[0]?.name).toMatch(/^sample-happy[0-9a-f-]{36}$/);
  });

  it('happy path: create and delete once each; the bucket was seen in the data dir, then gone after the trigger', () => {
    const r = result('sample-happy-delete');
    expect(r.verdict, r.verdictReason).toBe('pass');
    expect(r.attempts.map((a) => [a.code, a.answeredBy])).toEqual([['OK', 'driver']]);
    const seen = r.realDriver?.backend?.buckets[0]?.sighting;
    expect(seen?.firstSeenOffsetMs).toBeLessThan(0);
    expect(seen?.goneOffsetMs).toBeGreaterThanOrEqual(0);
  });

  it('delete of a bucket the S3 server never had: the driver answers Internal, and the sidecar retries it', () => {
    const r = result('sample-delete-absent-bucket');
    expect(r.verdict, r.verdictReason).toBe('pass');
    expect(r.outcome).toBe('unbounded');
    expect(new Set(r.attempts.map((a) => `${a.code} ${a.answeredBy} ${a.message}`))).toEqual(
      new Set(['Internal driver The specified bucket does not exist.']),
    );
    expect(r.realDriver?.answers.find((a) => a.rpc === 'create')).toMatchObject({
      answeredBy: 'rule',
      code: 'OK',
    });
  });
});
