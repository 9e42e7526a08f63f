import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { readRunResults, startCli } from './cli-run.ts';

// End to end, through the real CLI: real etcd and kube-apiserver, the real upstream sidecar builds, the mock
// driver on a unix socket: every upstream build beside its own release's controller, each decided as soon as its
// outcome is certain (the default; --full waits the 60 s window out). Binaries are built on the first run.
describe('COSI-86 on the local control plane', () => {
  let out: string;
  let results: RunResults;
  let exitCode: number | undefined;
  let log = '';

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cosi-chaos-e2e-'));
    const run = await startCli(['run', 'scenarios/cosi-86.yaml', '--out', out]);
    exitCode = run.exitCode;
    log = String(run.all);
    results = await readRunResults<RunResults>(out, run);
  }, 30 * 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const result = (variant: string): ScenarioResult => {
    const r = results.scenarios.find((s) => s.scenario === 'cosi-86' && s.variant === variant);
    if (!r) throw new Error(`no result for ${variant}:\n${log}`);
    return r;
  };

  it('exits 0: every expectation that could be checked held', () => {
    expect(exitCode, log).toBe(0);
  });

  it('says where the time went: every group it planned got a plane, started, observed and stopped within the wall', () => {
    const t = results.timing;
    expect(t, 'results.timing').toBeDefined();
    if (!t) return;
    // As many groups as the run planned (the patched builds share one; expected Events give a release its own),
    // each on a plane it started or one an earlier group used; never more planes at once than the pool's size.
    const m = /pair\(s\) in (\d+) group\(s\) on at most (\d+) control plane\(s\)/.exec(log);
    const planned = Number(m?.[1]);
    expect(planned).toBeGreaterThanOrEqual(6);
    expect(t.groups).toBe(planned);
    expect(t.planes + (t.planesReused ?? 0)).toBe(planned);
    expect(t.planes).toBeGreaterThanOrEqual(1);
    expect(t.buildMs).toBeLessThanOrEqual(t.lastPlaneUpMs);
    expect(t.lastPlaneUpMs).toBeLessThanOrEqual(t.lastVerdictMs);
    expect(t.lastVerdictMs).toBeLessThanOrEqual(t.wallMs);
    for (const k of ['startMs', 'windowMs', 'teardownMs'] as const) {
      expect(t[k], k).toBeGreaterThan(0);
      expect(t[k], k).toBeLessThanOrEqual(planned * t.wallMs);
    }
    expect(t.planeStartMs ?? 0).toBeGreaterThan(0);
    expect(log).toMatch(
      new RegExp(
        `where the time went: binaries [\\d.]+ s; ${t.planes} control plane\\(s\\) started in [\\d.]+ s, reused ${t.planesReused} time\\(s\\)`,
      ),
    );
  });

  // Every upstream build in the table runs: none may be skipped (the Go environment must reach every module).
  const V1ALPHA1 = [
    'v1alpha1-cosi86',
    'v1alpha1-v0.1.0',
    'v1alpha1-v0.2.0',
    'v1alpha1-v0.2.1',
    'v1alpha1-v0.2.2',
  ];

  it('runs every upstream build, none skipped', () => {
    const variants = results.scenarios.filter((s) => s.scenario === 'cosi-86');
    expect(variants.map((r) => r.variant).sort()).toEqual(
      [...V1ALPHA1, 'v1alpha2-main', 'seed-patch', 'correct-fix', 'tiered-fix'].sort(),
    );
    for (const r of variants) expect(r.verdict, `${r.variant}: ${r.verdictReason}`).not.toBe('skipped');
    // Each beside its own release's controller, built from its module.
    const names = results.components.map((c) => c.name).join('\n');
    expect(names).toMatch(
      /controller sigs\.k8s\.io\/container-object-storage-interface-controller@2c87d5a5e688/,
    );
    expect(names).toMatch(
      /controller sigs\.k8s\.io\/container-object-storage-interface@v0\.0\.0-20260305170820-ee00c2690b87/,
    );
  });

  it.each(V1ALPHA1)('%s retries InvalidArgument without end, with exponential backoff', (variant) => {
    const r = result(variant);
    expect(r.outcome, r.verdictReason).toBe('unbounded');
    expect(r.stillRetryingAtEnd).toBe(true);
    expect(r.attempts.filter((a) => a.offsetMs <= 60_000).length).toBeGreaterThanOrEqual(5);
    expect(new Set(r.attempts.map((a) => a.code))).toEqual(new Set(['InvalidArgument']));
    // The work queue's per-item backoff: 100 ms doubling. Checked on the fit over all intervals (one interval
    // can stretch when six control planes share two cores).
    expect(r.backoff?.factor, `intervals ${r.intervalsMs.join(', ')}`).toBeGreaterThan(1.7);
    expect(r.backoff?.baseMs, `intervals ${r.intervalsMs.join(', ')}`).toBeLessThan(250);
    expect(r.verdict, r.verdictReason).toBe('pass');
  });

  it.each(V1ALPHA1.filter((v) => v !== 'v1alpha1-v0.2.2'))(
    '%s got the 98-character name its controller made from <class><claim UID>',
    (variant) => {
      const r = result(variant);
      expect(r.attempts[0]?.bucketName).toMatch(
        /^testlongnameforbucketgenerationerrorisexpectedtest-bucketclass[0-9a-f-]{36}$/,
      );
      expect(r.attempts[0]?.bucketName?.length).toBe(98);
    },
  );

  it('v0.2.2 names the bucket bucket-<claim UID>', () => {
    expect(result('v1alpha1-v0.2.2').attempts[0]?.bucketName).toMatch(/^bucket-[0-9a-f-]{36}$/);
  });

  it('the COSI-86 build in its own namespace: every FailedCreateBucket Event refused, none landed', () => {
    const r = result('v1alpha1-cosi86');
    expect(r.sidecarNamespace).toBe('cosi-chaos-system');
    expect(r.events.filter((e) => e.reason === 'FailedCreateBucket')).toEqual([]);
    const refused = (r.eventsRefused ?? []).filter((e) => e.reason === 'FailedCreateBucket');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.refusal).toMatch(/can't create an event with namespace 'default' in namespace/);
  });

  it('v0.2.x: the Event lands through the all-namespaces sink, its count rising with the attempts', () => {
    for (const v of ['v1alpha1-v0.2.0', 'v1alpha1-v0.2.1', 'v1alpha1-v0.2.2']) {
      const r = result(v);
      const landed = r.events.find((e) => e.reason === 'FailedCreateBucket');
      expect(landed, v).toBeDefined();
      // Counted at the end of the window, so it may trail the journal by the attempt in flight.
      expect(landed?.count, v).toBeGreaterThanOrEqual(r.attempts.length - 1);
      expect(landed?.count, v).toBeLessThanOrEqual(r.attempts.length);
    }
  });

  // The patched builds of 6a5a12cb56ed in the same table: the proposal as proposed still loops (its claim refuted,
  // as measured), the correct fix makes one call.
  it('seed-patch still retries InvalidArgument; correct-fix makes one attempt and stops', () => {
    const seed = result('seed-patch');
    expect(seed.outcome).toBe('unbounded');
    expect(seed.attempts.length).toBeGreaterThanOrEqual(5);
    const fix = result('correct-fix');
    expect(fix.outcome).toBe('terminal');
    expect(fix.attempts.map((a) => a.code)).toEqual(['InvalidArgument']);
    expect(results.components.map((c) => c.name).join('\n')).toMatch(/sidecar correct-fix/);
  });

  it('v0.1.0 records no Event at all', () => {
    const r = result('v1alpha1-v0.1.0');
    expect(r.events).toEqual([]);
    expect(r.eventsRefused ?? []).toEqual([]);
  });

  it('decides every variant before its window closes, and says on what evidence', () => {
    for (const v of V1ALPHA1) {
      const d = result(v).decision;
      expect(d?.early, v).toBe(true);
      expect(d?.basis, v).toBe('retrying');
      expect(d?.atMs, v).toBeLessThan(60_000);
    }
    // The v1alpha2 sidecar's own metrics confirm its reconcile ended terminally, so its quiet floor is short.
    const d = result('v1alpha2-main').decision;
    expect(d?.basis).toBe('quiet');
    expect(d?.evidence).toMatch(/terminal reconcile error/);
    expect(d?.atMs).toBeLessThan(25_000);
  });

  it("checks the driver's count against the system's own records on every variant", () => {
    for (const v of [...V1ALPHA1, 'v1alpha2-main']) {
      const w = result(v).witnesses;
      expect(w?.driverAttempts, v).toBe(result(v).attempts.length);
      // The sidecar's own log counts every attempt on every build.
      expect(
        w?.rows.some((r) => r.witness === 'sidecar-log' && r.fidelity === 'agree'),
        v,
      ).toBe(true);
    }
    // Where the Event lands, its count and the audit log's accepted Event writes equal the attempts.
    // Decided early, the verdict can fall while an Event for the last attempt is still on its way: that one row
    // may then differ by the attempt in flight, and by nothing else.
    for (const v of ['v1alpha1-v0.2.0', 'v1alpha1-v0.2.1', 'v1alpha1-v0.2.2']) {
      const w = result(v).witnesses;
      expect(['agree', 'explained'], `${v}: ${w?.verdictReason}`).toContain(w?.verdict);
      for (const row of w?.rows ?? [])
        if (row.fidelity === 'disagree') {
          expect(row.cause, `${v}: ${row.reason}`).toBe('in-flight-at-window-end');
          expect(Math.abs(row.count - row.expected), `${v}: ${row.reason}`).toBe(1);
        }
    }
    // In its own namespace the COSI-86 build's Events are refused: a disagreement with a measured cause.
    const own = result('v1alpha1-cosi86').witnesses;
    expect(own?.verdict).toBe('explained');
    expect(own?.rows.find((r) => r.witness === 'events')?.cause).toBe('event-refused');
    // v1alpha2: its metrics count one terminal reconcile error and no requeue.
    const v2 = result('v1alpha2-main').witnesses;
    expect(v2?.verdict).toBe('agree');
    expect(v2?.rows.filter((r) => r.witness === 'metrics').length).toBeGreaterThanOrEqual(3);
  });

  it('v1alpha2 makes exactly one attempt and records the error in the Bucket status', () => {
    const r = result('v1alpha2-main');
    expect(r.outcome).toBe('terminal');
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0]?.bucketName).toMatch(/^bc-[0-9a-f-]{36}$/);
    const bucket = r.objects.find((o) => o.kind === 'Bucket');
    expect((bucket?.status.error as { message?: string } | undefined)?.message).toMatch(
      /Invalid bucket name/,
    );
    expect(r.verdict, r.verdictReason).toBe('pass');
  });

  it('writes every report format', async () => {
    for (const f of ['results.md', 'results.junit.xml', 'results.html']) {
      expect((await readFile(join(out, f), 'utf8')).length).toBeGreaterThan(100);
    }
  });
});
