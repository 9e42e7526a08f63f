import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverAdminClient } from '../../harness/driver/driver-admin-client.ts';
import type { StackState } from '../../harness/stack/stack-state.ts';
import { type startCli, startUp } from './cli-run.ts';
import { processesMentioning } from './process-census.ts';
import {
  KUBELET_STEPS,
  runChainsaw,
  stepNames,
  type UpstreamChainsawTest,
  upstreamChainsawTest,
  withoutSteps,
  writeTestDir,
} from './upstream-chainsaw.ts';

// Proof with a tool nobody here wrote: upstream COSI's own chainsaw test (v0.2.2, the last v1alpha1 release) against
// `cosi-chaos up` with the v0.2.1 release's real controller and sidecar, the mock driver named as upstream's
// values.yaml says. Not v0.2.2's own: its controller's second Add writes bucketReady=false over the sidecar's true
// (2 of 4 claims made by hand, 2026-12-05, and the test's "Check if BucketClaim is ready" ran out its 30 s), while
// v0.2.1's made 3 of 3 ready. Only the steps that need a kubelet are left out (KUBELET_STEPS says why); chainsaw runs every other one.
describe("upstream COSI's chainsaw test against cosi-chaos up", () => {
  let dir: string;
  let up: ReturnType<typeof startCli>;
  let state: StackState;
  let upstream: UpstreamChainsawTest;
  let kubeconfig: string;

  /** A namespace of its own per chainsaw run (its objects are named after it, BucketClasses too). */
  const freshNamespace = async (prefix: string): Promise<string> => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const name = `${prefix}-${Date.now().toString(36)}`;
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    return name;
  };

  beforeAll(async () => {
    upstream = await upstreamChainsawTest();
    dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-chainsaw-'));
    ({ up } = await startUp([
      '--dir',
      dir,
      '--sidecar',
      'v1alpha1-v0.2.1',
      '--driver-name',
      upstream.values.driverName,
    ]));
    state = JSON.parse(await readFile(join(dir, 'stack.json'), 'utf8')) as StackState;
    kubeconfig = (state.planes[0] as StackState['planes'][number]).kubeconfig;
  }, 31 * 60_000);

  afterAll(async () => {
    up?.kill('SIGTERM');
    await up;
    for (const p of processesMentioning(dir)) process.kill(p.pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('names the mock driver as upstream values.yaml does', () => {
    const [variant] = state.planes.flatMap((p) => p.variants);
    expect(variant?.driverName).toBe('sample-driver.objectstorage.k8s.io');
    expect(upstream.values.driverName).toBe(variant?.driverName);
  });

  it(
    'passes every step but the kubelet ones, through the mock driver',
    async () => {
      const kept = stepNames(upstream.testText).filter((s) => !(s in KUBELET_STEPS));
      expect(kept).toEqual([
        'Create test BucketClass and BucketAccessClass',
        'Create BucketClaim',
        'Check if BucketClaim is ready',
        'Create BucketAccess',
        'Check if BucketAccess is granted',
        'Check if Secret exists',
      ]);
      const work = join(dir, 'chainsaw-kept');
      const namespace = await freshNamespace('chainsaw-cosi');
      const run = await runChainsaw({
        testDir: await writeTestDir(join(work, 'test'), withoutSteps(upstream.testText, KUBELET_STEPS)),
        valuesFile: upstream.valuesFile,
        kubeconfig,
        namespace,
        reportDir: work,
      });
      expect(run.exitCode, run.output).toBe(0);
      expect(run.summary).toEqual({ passed: 1, failed: 0, skipped: 0 });
      const [test] = run.report?.tests ?? [];
      expect(test?.name).toBe('generic-test');
      // chainsaw's report: each kept step ran (then its cleanup step), and no operation failed, cleanup included.
      const steps = test?.steps ?? [];
      expect(steps.filter((s) => !s.name.startsWith('cleanup')).map((s) => s.name)).toEqual(kept);
      expect(steps.flatMap((s) => s.operations ?? []).filter((o) => o.failure)).toEqual([]);
      // The calls behind it reached the mock driver, with upstream's BucketClass parameters, and were answered OK:
      // create and grant for the steps, revoke and delete for chainsaw's cleanup of the access and the claim.
      const variant = state.planes[0]?.variants[0] as StackState['planes'][number]['variants'][number];
      const calls = (await new DriverAdminClient(variant.adminUrl).journal()).filter(
        (c) => c.rpc !== 'getInfo' && c.parameters.foo === 'bar',
      );
      expect(calls.map((c) => `${c.rpc} ${c.code}`)).toEqual(
        expect.arrayContaining(['create OK', 'grant OK', 'revoke OK', 'delete OK']),
      );
    },
    5 * 60_000,
  );

  it(
    'fails, as chainsaw reports it, when upstream test runs unfiltered (its first step needs a kubelet)',
    async () => {
      const work = join(dir, 'chainsaw-unfiltered');
      const namespace = await freshNamespace('chainsaw-unfiltered');
      const run = await runChainsaw({
        testDir: await writeTestDir(join(work, 'test'), upstream.testText),
        valuesFile: upstream.valuesFile,
        kubeconfig,
        namespace,
        reportDir: work,
        extraArgs: ['--assert-timeout', '3s'],
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.summary).toEqual({ passed: 0, failed: 1, skipped: 0 });
      const failed = (run.report?.tests[0]?.steps ?? []).filter((s) =>
        (s.operations ?? []).some((o) => o.failure),
      );
      expect(failed.map((s) => s.name)).toEqual(['Check if COSI Controller exist']);
      // Its one operation, the assert on upstream's controller Deployment, found no such object.
      expect(failed[0]?.operations?.map((o) => o.failure?.error)).toEqual(['actual resource not found']);
    },
    2 * 60_000,
  );
});
