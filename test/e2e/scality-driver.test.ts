import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ETCD,
  type GoBuildRecipe,
  KUBE_APISERVER,
  SCALITY_REVISIONS,
  VERSITYGW,
} from '../../harness/binaries/component-catalog.ts';
import type { ConformResults } from '../../harness/conform/conform-results.ts';
import { inClusterUnsupported } from '../../harness/driver/in-cluster-identity.ts';
import { s3Request } from '../../harness/driver/s3-request.ts';
import { scalityMapTarget } from '../../harness/driver-map/scality-map-target.ts';
import type { DriverMapResults } from '../../harness/results/driver-map-results.ts';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { provisionBinary } from '../../harness/runner/start/binary-provisioner.ts';
import { readRunResults, startCli } from './cli-run.ts';

// End to end through the CLI with drivers that read the cluster through in-cluster config: the Scality COSI driver
// at both pinned commits (COSI-86's name, the seeds' driver) and a driver of the tests' own (test/e2e/in-cluster-
// driver), each behind the interposer, beside a real control plane, the real COSI-86 sidecar and the correct fix.
// Two variants to stay quick: scenarios/real-driver runs every release.
const why = await inClusterUnsupported();

describe.skipIf(why !== undefined)(
  'drivers with in-cluster config: the Scality driver and a binary of our own',
  () => {
    let out: string;
    let results: RunResults;
    let exitCode: number | undefined;
    let log = '';

    beforeAll(async () => {
      out = await mkdtemp(join(tmpdir(), 'cosi-chaos-e2e-scality-'));
      const run = await startCli([
        'run',
        'scenarios/real-driver/cosi-86-scality.yaml',
        'test/e2e/in-cluster-driver/scenario.yaml',
        '--sidecar',
        'v1alpha1-cosi86',
        '--sidecar',
        'correct-fix',
        '--out',
        out,
      ]);
      exitCode = run.exitCode;
      log = String(run.all);
      results = await readRunResults<RunResults>(out, run);
    }, 40 * 60_000);

    afterAll(async () => {
      await rm(out, { recursive: true, force: true });
    });

    const result = (scenario: string, variant: string): ScenarioResult => {
      const r = results.scenarios.find((s) => s.scenario === scenario && s.variant === variant);
      if (!r) throw new Error(`no result for ${scenario} on ${variant}:\n${log}`);
      return r;
    };

    it('exits 0 and names both Scality commits among the components', () => {
      expect(exitCode, log).toBe(0);
      const names = results.components.map((c) => `${c.name} ${c.version}`);
      expect(names).toContain('Scality driver 9bf1529 v0.0.0-20260420150512-9bf152924e92');
      expect(names).toContain('Scality driver 9a49a25 v0.0.0-20250616185939-9a49a252f98b');
    });

    it("after PR #188 the driver answers InvalidArgument to the seeds' 98-character name: 6a5a12c retries, the fix stops", () => {
      const upstream = result('cosi-86-scality-newest', 'v1alpha1-cosi86');
      const fixed = result('cosi-86-scality-newest', 'correct-fix');
      for (const r of [upstream, fixed]) {
        expect(r.verdict, r.verdictReason).toBe('pass');
        // exactNames: the class name is not suffixed, so the bucket name is the seeds' 62 + 36 characters.
        expect(r.attempts.map((a) => a.bucketName?.length)).toEqual(r.attempts.map(() => 98));
        expect(new Set(r.attempts.map((a) => `${a.code} ${a.answeredBy}`))).toEqual(
          new Set(['InvalidArgument driver']),
        );
        expect(r.realDriver?.backend?.state).toBe('never');
      }
      expect(upstream.outcome).toBe('unbounded');
      expect(upstream.attempts.length).toBeGreaterThanOrEqual(5);
      expect(fixed.outcome).toBe('terminal');
      expect(fixed.attempts).toHaveLength(1);
    });

    it('before PR #188 the driver answers Internal, a transient code: the correct fix retries it too', () => {
      for (const variant of ['v1alpha1-cosi86', 'correct-fix']) {
        const r = result('cosi-86-scality-before-188', variant);
        expect(r.verdict, r.verdictReason).toBe('pass');
        expect(r.outcome).toBe('unbounded');
        expect(new Set(r.attempts.map((a) => `${a.code} ${a.answeredBy}`))).toEqual(
          new Set(['Internal driver']),
        );
      }
    });

    it('a binary of our own reads its Secret through in-cluster config, and no harness parameter reaches it', async () => {
      for (const variant of ['v1alpha1-cosi86', 'correct-fix']) {
        const r = result('in-cluster-binary-driver', variant);
        expect(r.verdict, r.verdictReason).toBe('pass');
        // The driver refuses any parameter but secretName, and answers OK only once it has read the Secret.
        expect(r.attempts.map((a) => [a.code, a.answeredBy])).toEqual([['OK', 'driver']]);
      }
      // What it read: its own log line, with the Secret's content.
      const logs = (await readdir(join(out, 'logs'), { recursive: true })).filter((f) =>
        /driver-.*\.real\.log$/.test(f),
      );
      const texts = await Promise.all(logs.map((f) => readFile(join(out, 'logs', f), 'utf8')));
      expect(texts.join('\n')).toMatch(
        /read secret cosi-chaos-system\/in-cluster-driver-creds \(region eu-test-1\)/,
      );
    });

    it("without the RBAC to read it, the driver's PermissionDenied is what the run shows", () => {
      const r = result('in-cluster-binary-driver-forbidden', 'v1alpha1-cosi86');
      expect(r.verdict, r.verdictReason).toBe('pass');
      expect(r.attempts[0]?.code).toBe('PermissionDenied');
      expect(r.attempts[0]?.message).toMatch(/forbidden/i);
    });
  },
);

describe.runIf(why !== undefined)('drivers with in-cluster config where this machine cannot give it', () => {
  it('are skipped with the reason', () => {
    expect(why).toMatch(/in-cluster config for a local driver needs/);
  });
});

describe.skipIf(why !== undefined)('driver-map against the Scality driver, before and after PR #188', () => {
  const maps = new Map<string, DriverMapResults>();
  let out: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cosi-chaos-e2e-scality-map-'));
    for (const revision of ['before-188', 'newest']) {
      const dir = join(out, revision);
      const run = await startCli(['driver-map', '--driver', `scality@${revision}`, '--out', dir]);
      if (run.exitCode !== 0)
        throw new Error(`driver-map --driver scality@${revision}: exit ${run.exitCode}\n${run.all}`);
      maps.set(
        revision,
        JSON.parse(await readFile(join(dir, 'driver-map.json'), 'utf8')) as DriverMapResults,
      );
    }
  }, 20 * 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const codes = (revision: string) =>
    Object.fromEntries((maps.get(revision)?.cases ?? []).map((c) => [c.id, c.returned.code]));

  it('before #188 every backend failure is Internal; after it the codes the spec asks, but an identical create again', () => {
    expect(new Set(Object.values(codes('before-188')))).toEqual(new Set(['Internal']));
    expect(codes('newest')).toMatchObject({
      'name-too-long': 'InvalidArgument',
      'name-refused-by-server': 'InvalidArgument',
      'exists-other-parameters': 'AlreadyExists',
      // The spec asks OK for an identical repeated create: measured, the newest commit answers AlreadyExists.
      'create-again-identical': 'AlreadyExists',
      'delete-not-empty': 'FailedPrecondition',
      'delete-absent': 'OK',
    });
  });
});

describe.skipIf(why !== undefined)(
  'grant and revoke through the Scality driver on versitygw IAM (newest)',
  () => {
    it(
      'grant answers keys, again AlreadyExists; revoke OK, again OK; the IAM keys are unknown to the S3 gateway',
      async () => {
        const workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-scality-grant-'));
        const revision = SCALITY_REVISIONS[0] as (typeof SCALITY_REVISIONS)[number];
        const bin = async (r: GoBuildRecipe) => (await provisionBinary(r)).path;
        const target = await scalityMapTarget(
          revision,
          {
            etcd: await bin(ETCD),
            kubeApiServer: await bin(KUBE_APISERVER),
            versitygw: await bin(VERSITYGW),
            scality: { [revision.commit]: await bin(revision.recipe) },
          },
          { workDir },
        );
        try {
          const c = target.context;
          expect((await c.call('DriverCreateBucket', { name: 'granted-bucket', parameters: {} })).code).toBe(
            'OK',
          );
          const grant = {
            bucket_id: 'granted-bucket',
            name: 'ba-user-1',
            authentication_type: 'Key',
            parameters: {},
          };
          const granted = await c.call('DriverGrantBucketAccess', grant);
          expect(granted.code).toBe('OK');
          const secrets = (
            granted.response as { credentials?: { s3?: { secrets?: Record<string, string> } } }
          ).credentials?.s3?.secrets;
          expect(Object.keys(secrets ?? {}).sort()).toEqual([
            'accessKeyID',
            'accessSecretKey',
            'endpoint',
            'region',
          ]);
          expect((await c.call('DriverGrantBucketAccess', grant)).code).toBe('AlreadyExists');
          // versitygw keeps IAM users (iam.json) apart from the gateway's accounts (users.json): a limit of the
          // stand-in, not of the driver. Measured 2026-12-07; this fails the day the two share their users.
          const tried = await s3Request({
            endpoint: String(secrets?.endpoint),
            keys: { accessKey: String(secrets?.accessKeyID), secretKey: String(secrets?.accessSecretKey) },
            method: 'GET',
            bucket: 'granted-bucket',
          });
          expect([tried.status, tried.body.match(/<Code>(\w+)<\/Code>/)?.[1]]).toEqual([
            403,
            'InvalidAccessKeyId',
          ]);
          const revoke = { bucket_id: 'granted-bucket', account_id: 'ba-user-1' };
          expect((await c.call('DriverRevokeBucketAccess', revoke)).code).toBe('OK');
          expect((await c.call('DriverRevokeBucketAccess', revoke)).code).toBe('OK');
        } finally {
          await target.stop();
          await rm(workDir, { recursive: true, force: true });
        }
      },
      20 * 60_000,
    );
  },
);

describe.skipIf(why !== undefined)('conform against the Scality driver, before and after PR #188', () => {
  const runs = new Map<string, { exitCode?: number; results: ConformResults }>();
  let out: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cosi-chaos-e2e-scality-conform-'));
    for (const revision of ['before-188', 'newest']) {
      const dir = join(out, revision);
      const run = await startCli(['conform', '--driver', `scality@${revision}`, '--out', dir]);
      const text = await readFile(join(dir, 'conform-results.json'), 'utf8').catch(() => {
        throw new Error(`conform --driver scality@${revision}: exit ${run.exitCode}, no results\n${run.all}`);
      });
      runs.set(revision, { exitCode: run.exitCode, results: JSON.parse(text) as ConformResults });
    }
  }, 20 * 60_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const outcome = (revision: string, id: string) =>
    runs.get(revision)?.results.cases.find((c) => c.id === id)?.outcome;

  it('both fail a MUST (exit 1); #188 turns the invalid names and the non-empty delete into the codes the spec asks', () => {
    for (const revision of ['before-188', 'newest']) expect(runs.get(revision)?.exitCode).toBe(1);
    for (const id of [
      'create-name-64',
      'create-name-98',
      'create-name-chars',
      'delete-non-empty',
      'delete-again',
    ]) {
      expect([id, outcome('before-188', id)]).toEqual([id, 'fail']);
      expect([id, outcome('newest', id)]).toEqual([id, 'pass']);
    }
    // Still wrong after #188, as measured: an identical create again is AlreadyExists, not OK.
    expect(outcome('newest', 'create-idempotent')).toBe('fail');
    // The backend states were reached by the harness, and the run removed what it created.
    for (const revision of ['before-188', 'newest']) {
      const r = runs.get(revision)?.results;
      expect(r?.target.backendControl).toEqual({ nonEmptyBucket: 'harness', stopBackend: 'harness' });
      expect(r?.cleanup.leftovers).toEqual([]);
    }
  });
});
