import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { PROJECT_ROOT, readRunResults, startCli } from './cli-run.ts';

// Ten claims failing at once, through the real CLI, on one build of each era: every create attributed to its claim
// (the claim UID in the bucket name, checked against the Bucket object), the sidecar's log agreeing per claim, and
// memory read from the driver's process. A 30 s window keeps it near a minute.
const VARIANTS = ['v1alpha1-cosi86', 'v1alpha2-main'];

describe('scale-10 on the local control plane', () => {
  let out: string;
  let results: RunResults;
  let exitCode: number | undefined;
  let log = '';

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cosi-chaos-e2e-scale-'));
    const doc = parseDocument(
      await readFile(join(PROJECT_ROOT, 'scenarios', 'scale', 'scale-10.yaml'), 'utf8'),
    );
    const variants = (doc.toJS() as { spec: { variants: { sidecar: string }[] } }).spec.variants;
    doc.setIn(
      ['spec', 'variants'],
      variants.filter((v) => VARIANTS.includes(v.sidecar)),
    );
    const file = join(out, 'scale-10.yaml');
    await writeFile(file, doc.toString());
    const run = await startCli(['run', file, '--window', '30s', '--out', out]);
    exitCode = run.exitCode;
    log = String(run.all);
    results = await readRunResults<RunResults>(out, run);
  }, 10 * 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const result = (variant: string): ScenarioResult & { scale: NonNullable<ScenarioResult['scale']> } => {
    const r = results.scenarios.find((s) => s.variant === variant);
    if (!r?.scale) throw new Error(`no scale result for ${variant}:\n${log}`);
    return r as ScenarioResult & { scale: NonNullable<ScenarioResult['scale']> };
  };

  it('exits 0: every expectation held, no call lost or misattributed', () => {
    expect(exitCode, log).toBe(0);
  });

  it.each(VARIANTS)('%s: every create of the 10 claims attributed, the full window observed', (variant) => {
    const r = result(variant);
    expect(r.scale.claims).toBe(10);
    expect(r.scale.claimsCreated).toBe(10);
    expect(r.scale.claimsNeverCalled).toBe(0);
    expect(r.scale.lost).toBe(0);
    expect(r.scale.misattributed).toBe(0);
    expect(r.scale.attributed).toBe(r.scale.attempts);
    expect(r.scale.attempts).toBe(r.attempts.length);
    expect(r.decision?.basis).toBe('window');
    // Per claim-minute: each claim counts from its create, which is at most the apply before the window.
    const perMinute = (ms: number) => r.scale.attempts / 10 / (ms / 60_000);
    expect(r.scale.attemptsPerClaimPerMinute).toBeLessThanOrEqual(perMinute(r.windowMs) + 1e-9);
    expect(r.scale.attemptsPerClaimPerMinute).toBeGreaterThanOrEqual(perMinute(r.windowMs + r.scale.applyMs));
    // The sidecar's own per-attempt line, counted per claim.
    expect(r.scale.witness?.claimsDisagree).toBe(0);
    expect((r.scale.witness?.claimsAgree ?? 0) + (r.scale.witness?.claimsInFlight ?? 0)).toBe(10);
    expect(r.scale.resources.driverRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(r.scale.resources.harnessRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(r.verdict, r.verdictReason).toBe('pass');
  });

  it('v1alpha1: every claim retried for the whole window under <class><claim UID> names', () => {
    const r = result('v1alpha1-cosi86');
    expect(r.outcome).toBe('unbounded');
    expect(r.scale.claimOutcomes.unbounded).toBe(10);
    expect(r.scale.attemptsPerClaim.min).toBeGreaterThanOrEqual(3);
    for (const a of r.attempts) expect(a.bucketName).toMatch(/^scale-10[0-9a-f-]{36}$/);
    expect(new Set(r.attempts.map((a) => a.bucketName)).size).toBe(10);
  });

  it('v1alpha2: one attempt per claim under bc-<claim UID> names', () => {
    const r = result('v1alpha2-main');
    expect(r.outcome).toBe('terminal');
    expect(r.scale.claimOutcomes.terminal).toBe(10);
    expect(r.scale.attemptsPerClaim).toEqual({ min: 1, median: 1, max: 1 });
    for (const a of r.attempts) expect(a.bucketName).toMatch(/^bc-[0-9a-f-]{36}$/);
  });

  it('the HTML report draws the scale curve', async () => {
    const html = await readFile(join(out, 'results.html'), 'utf8');
    expect(html).toContain('<section id="scale">');
    expect(html.split('class="scale-point"').length - 1).toBe(2);
  });
});
