import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendFromFlags } from '../../cli/backend-option.ts';
import { detectKind, needsDocker, RolloutError } from '../../harness/backends/index.ts';
import { ETCD, KUBE_APISERVER, V1ALPHA1_CRDS } from '../../harness/binaries/component-catalog.ts';
import { LocalControlPlane } from '../../harness/control-plane/local-control-plane.ts';
import { crdManifests, installCrds } from '../../harness/cosi/crd-installer.ts';
import { provisionBinary } from '../../harness/runner/start/binary-provisioner.ts';
import type { EnvironmentMember } from '../../harness/runner/start/local-environment.ts';
import { loadScenarioFile } from '../../harness/scenarios/scenario-loader.ts';
import type { Scenario } from '../../harness/scenarios/scenario-types.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from '../../harness/variants/sidecar-variants.ts';

// The cluster backends as `run --backend` drives them: the existing-cluster path against the real local
// kube-apiserver until the rollout no kubelet will ever complete, kind on a real Docker engine where there is one,
// and the CLI's flag checks. The lanes on a real kubelet: test/e2e/cluster-lane.test.ts.

const REPO = join(import.meta.dirname, '../..');
const COSI86 = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha1-cosi86') as SidecarVariant;

let cp: LocalControlPlane;
let tmp: string;
let scenario: Scenario;

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  cp = await LocalControlPlane.start({ etcdBinary: etcd.path, apiServerBinary: api.path });
  await installCrds(cp.adminKubeConfig(), await crdManifests(V1ALPHA1_CRDS));
  tmp = await mkdtemp(join(tmpdir(), 'cosi-chaos-cluster-env-'));
  // A namespace no cluster has: the environment creates it and removes it again.
  const base = await loadScenarioFile(join(REPO, 'scenarios/cosi-86.yaml'));
  scenario = { ...base, bucketClaim: { ...base.bucketClaim, namespace: 'cosi-chaos-scenarios' } };
});

afterAll(async () => {
  await cp?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const members = (...variants: SidecarVariant[]): EnvironmentMember[] =>
  variants.map((variant) => ({
    variant,
    sidecarBinary: `cosi-chaos.local/objectstorage-sidecar:${variant.name}`,
    controllerBinary: '',
  }));

describe('run --backend existing against the local kube-apiserver (real kubectl, no kubelet)', () => {
  it('fails with a RolloutError naming the Deployment, and removes everything it created', async () => {
    const w = join(tmp, 'existing');
    const kc = cp.adminKubeConfig();
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const crdsBefore = (await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()).items
      .map((c) => c.metadata?.name)
      .sort();
    const namespacesBefore = (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map(
      (n) => n.metadata?.name,
    );
    const choice = backendFromFlags(
      { backend: 'existing', kubeconfig: cp.adminKubeconfigPath },
      { rolloutTimeoutSeconds: 3 },
    );
    const err = await (choice.suite.startEnvironment as NonNullable<typeof choice.suite.startEnvironment>)({
      members: members(COSI86),
      scenarios: [scenario],
      logDir: w,
      binaries: { etcd: '/nonexistent/etcd', kubeApiServer: '/nonexistent/kube-apiserver' },
      progress: () => {},
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Never a pass: no kubelet runs the pods, so the first rollout cannot complete.
    expect(err).toBeInstanceOf(RolloutError);
    const rollout = err as RolloutError;
    expect(rollout.deployment).toMatch(/^cosi-chaos-driver-v1alpha1-cosi86-[0-9a-f]{6}$/);
    expect(rollout.namespace).toMatch(/^cosi-chaos-[0-9a-f]{6}$/);
    expect(rollout.timeoutSeconds).toBe(3);
    expect(rollout.message).toContain(
      `deployment/${rollout.deployment} in namespace ${rollout.namespace} did not roll out within 3s`,
    );
    expect(rollout.stderrTail).toContain('timed out waiting for the condition');

    // Everything created is gone (the namespace is terminating: no namespace controller runs here).
    const ours = (items: { metadata?: { name?: string } }[]) =>
      items.map((i) => i.metadata?.name ?? '').filter((n) => n.startsWith('cosi-chaos-'));
    expect(ours((await rbac.listClusterRole()).items)).toEqual([]);
    expect(ours((await rbac.listClusterRoleBinding()).items)).toEqual([]);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: rollout.namespace });
    expect(ns.metadata?.deletionTimestamp).toBeDefined();
    expect(
      (await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: rollout.namespace })).items,
    ).toEqual([]);
    // Pre-installed CRDs stay; no scenario namespace or object was created before the failure.
    expect(
      (await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()).items
        .map((c) => c.metadata?.name)
        .sort(),
    ).toEqual(crdsBefore);
    expect(
      (await kc.makeApiClient(CoreV1Api).listNamespace()).items
        .map((n) => n.metadata?.name)
        .filter((n) => n !== rollout.namespace),
    ).toEqual(namespacesBefore);
    // It builds the controller and mock-driver images first: minutes on a cold, busy machine.
  }, 900_000);
});

describe('run --backend kind on a real Docker engine', () => {
  it('runs the COSI-86 scenario on kind with the real sidecar and controller, and it passes', async (ctx) => {
    const skip = await needsDocker(
      'run --backend kind creates a kind cluster and builds the mock driver image',
    );
    if (skip) ctx.skip(skip);
    const kind = await detectKind();
    if (!kind.available) ctx.skip(`needs Docker and kind: ${kind.reason}`);
    const out = join(tmp, 'kind-e2e');
    const res = await execa(
      'node',
      [
        'bin/cosi-chaos.js',
        'run',
        'scenarios/cosi-86.yaml',
        '--sidecar',
        'v1alpha1-cosi86',
        '--backend',
        'kind',
        '--cluster-name',
        'cosi-chaos-vitest-run',
        '--out',
        out,
      ],
      { cwd: REPO, reject: false },
    );
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      scenarios: { variant: string; verdict: string; attempts: unknown[] }[];
    };
    expect(results.scenarios.map((r) => [r.variant, r.verdict])).toEqual([['v1alpha1-cosi86', 'pass']]);
    expect(res.exitCode).toBe(0);
  }, 1_200_000);
});

describe('run: backend flags are checked before anything starts (exit 2, one line)', () => {
  const run = (...args: string[]) =>
    execa('node', ['bin/cosi-chaos.js', 'run', 'scenarios', '--out', join(tmp, 'cli'), ...args], {
      cwd: REPO,
      reject: false,
    });

  it.each([
    [
      ['--backend', 'kind', '--kubeconfig', 'x'],
      'error: --kubeconfig is only valid with --backend existing, not with --backend kind',
    ],
    [
      ['--backend', 'kind', '--context', 'ctx'],
      'error: --context is only valid with --backend existing, not with --backend kind',
    ],
    [
      ['--kubeconfig', 'x'],
      'error: --kubeconfig is only valid with --backend existing, not with --backend local',
    ],
    [
      ['--backend', 'existing', '--keep'],
      'error: --keep is only valid with --backend kind, not with --backend existing',
    ],
    [
      ['--backend', 'existing', '--cluster-name', 'a'],
      'error: --cluster-name is only valid with --backend kind, not with --backend existing',
    ],
    [
      ['--sidecar-image', 'v1alpha1-v0.1.0=img'],
      'error: --sidecar-image is only valid with --backend kind or existing, not with --backend local',
    ],
    [
      ['--backend', 'kind', '--sidecar-image', 'img'],
      'error: --sidecar-image "img" is not NAME=IMAGE (e.g. v1alpha1-v0.1.0=repo/sidecar:tag)',
    ],
    [
      ['--backend', 'kind', '--sidecar-image', 'nope=img'],
      'error: --sidecar-image nope=img: "nope" is not one of v1alpha1-cosi86, v1alpha1-v0.1.0, v1alpha1-v0.2.0, v1alpha1-v0.2.1, v1alpha1-v0.2.2, v1alpha2-main, seed-patch, correct-fix, tiered-fix, custom',
    ],
    [
      ['--backend', 'kind', '--cluster-name', 'Bad Name'],
      'error: --cluster-name "Bad Name" is not a valid kind cluster name',
    ],
    [
      ['--backend', 'existing', '--kubeconfig', '/nonexistent/kubeconfig'],
      'error: --kubeconfig /nonexistent/kubeconfig: no such file',
    ],
  ])('%j', async (args, message) => {
    const res = await run(...args);
    expect({ exitCode: res.exitCode, stderr: res.stderr.trim() }).toEqual({ exitCode: 2, stderr: message });
  });

  it('--backend nope is refused by the parser, listing the backends', async () => {
    const res = await run('--backend', 'nope');
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain(
      "error: option '--backend <backend>' argument 'nope' is invalid. Allowed choices are local, kind, existing.",
    );
  });
});
