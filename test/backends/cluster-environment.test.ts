import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendFromFlags } from '../../cli/backend-option.ts';
import { detectKind, needsDocker, RolloutError, ToolUnavailableError } from '../../harness/backends/index.ts';
import { ETCD, KUBE_APISERVER, V1ALPHA1_CRDS } from '../../harness/binaries/component-catalog.ts';
import { LocalControlPlane } from '../../harness/control-plane/local-control-plane.ts';
import { crdManifests, installCrds } from '../../harness/cosi/crd-installer.ts';
import { type PortReservation, reservePort } from '../../harness/process/free-port.ts';
import { provisionBinary } from '../../harness/runner/binary-provisioner.ts';
import { ClusterEnvironment } from '../../harness/runner/cluster-environment.ts';
import type { EnvironmentMember } from '../../harness/runner/local-environment.ts';
import type { ScenarioEnvironment } from '../../harness/runner/scenario-environment.ts';
import { loadScenarioFile } from '../../harness/scenarios/scenario-loader.ts';
import type { Scenario } from '../../harness/scenarios/scenario-types.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from '../../harness/variants/sidecar-variants.ts';
import { createFakeTools, type FakeTools } from './fake-tools.ts';

// The cluster backends as `run --backend` drives them: the kind path with fake kind/docker/kubectl and the scenario
// objects on the real local kube-apiserver (the kubeconfig "kind" gave), the existing-cluster path against that
// kube-apiserver until the rollout no kubelet will ever complete, and the CLI's flag checks.

const REPO = join(import.meta.dirname, '../..');
const COSI86 = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha1-cosi86') as SidecarVariant;
const V010 = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha1-v0.1.0') as SidecarVariant;
const SYSTEM_NS = 'cosi-chaos-system';
// The port the fake kubectl port-forward prints (FAKE_FORWARD_PORT); the test serves the driver admin API there.
// Reserved like every other loopback port of the harness, so a parallel test never holds it.
let forwardPort: PortReservation;
let FORWARDED: number;

let cp: LocalControlPlane;
let tools: FakeTools;
let tmp: string;
let scenario: Scenario;

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  cp = await LocalControlPlane.start({ etcdBinary: etcd.path, apiServerBinary: api.path });
  await installCrds(cp.adminKubeConfig(), await crdManifests(V1ALPHA1_CRDS));
  tools = await createFakeTools();
  forwardPort = await reservePort();
  FORWARDED = forwardPort.port;
  tmp = await mkdtemp(join(tmpdir(), 'cosi-chaos-cluster-env-'));
  // A namespace no cluster has: the environment creates it and removes it again.
  const base = await loadScenarioFile(join(REPO, 'scenarios/cosi-86.yaml'));
  scenario = { ...base, bucketClaim: { ...base.bucketClaim, namespace: 'cosi-chaos-scenarios' } };
});

afterAll(async () => {
  await cp?.stop();
  forwardPort?.release();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (tools) await rm(tools.dir, { recursive: true, force: true });
});

const members = (...variants: SidecarVariant[]): EnvironmentMember[] =>
  variants.map((variant) => ({ variant, sidecarBinary: 'unused on a cluster', controllerBinary: '' }));

/** A mock driver admin API that has seen DriverGetInfo, on the port the fake port-forward announces. */
async function serveJournal(): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    const entries = req.url?.startsWith('/journal')
      ? [
          {
            seq: 1,
            wallTime: new Date().toISOString(),
            monoMs: 1,
            era: 'v1alpha1',
            rpc: 'getInfo',
            parameters: {},
            callNumber: 1,
            code: 'OK',
            latencyMs: 0,
          },
        ]
      : [];
    res.end(JSON.stringify({ entries }));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(FORWARDED, '127.0.0.1', ok);
  });
  return server;
}

describe('run --backend kind: ClusterEnvironment over the kind backend (fake kind, docker and kubectl)', () => {
  it('runs the exact commands, puts scenario objects through its kubeconfig, counts sidecar restarts', async () => {
    await tools.reset();
    const w = join(tmp, 'kind');
    // What `kind create cluster --kubeconfig` would write: here the local kube-apiserver's admin kubeconfig.
    await mkdir(w, { recursive: true });
    await copyFile(cp.adminKubeconfigPath, join(w, 'kind.kubeconfig'));
    const kc = cp.adminKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    // What the rollout would leave: the namespace, a pod of the variant, and the sidecar's leader Lease.
    await core.createNamespace({ body: { metadata: { name: SYSTEM_NS } } });
    await core.createNamespacedServiceAccount({
      namespace: SYSTEM_NS,
      body: { metadata: { name: 'default' } },
    });
    await core.createNamespacedPod({
      namespace: SYSTEM_NS,
      body: {
        metadata: { name: 'driver-pod', labels: { 'cosi-chaos.io/variant': 'v1alpha1-cosi86' } },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            { name: 'mock-driver', image: 'cosi-chaos/mock-driver:dev' },
            { name: 'objectstorage-sidecar', image: 'sidecar' },
          ],
        },
      },
    });
    await kc.makeApiClient(CoordinationV1Api).createNamespacedLease({
      namespace: SYSTEM_NS,
      body: {
        metadata: { name: 'v1alpha1-cosi86-cosi-chaos-io-cosi-leader' },
        spec: { holderIdentity: 'driver-pod' },
      },
    });
    const server = await serveJournal();
    const progress: string[] = [];
    const choice = backendFromFlags(
      { backend: 'kind', clusterName: 'cosi-chaos-test' },
      {
        runner: tools.runner({ FAKE_DOCKER_INFO_RC: '0', FAKE_FORWARD_PORT: String(FORWARDED) }),
        readyTimeoutMs: 10_000,
      },
    );
    expect(choice.suite.environmentKey?.(scenario, COSI86)).toBe('kind');
    let env: ScenarioEnvironment | undefined;
    try {
      env = await (choice.suite.startEnvironment as NonNullable<typeof choice.suite.startEnvironment>)({
        members: members(COSI86),
        scenarios: [scenario],
        logDir: w,
        binaries: { etcd: '/nonexistent/etcd', kubeApiServer: '/nonexistent/kube-apiserver' },
        progress: (d) => progress.push(d),
      });
      expect(env).toBeInstanceOf(ClusterEnvironment);
      expect(env.kubeConfig().getCurrentCluster()?.server).toBe(kc.getCurrentCluster()?.server);
      const member = env.member('v1alpha1-cosi86');
      expect(member.driver.admin.baseUrl).toBe(`http://127.0.0.1:${FORWARDED}`);
      expect(await member.driver.admin.journal({})).toHaveLength(1);

      // Scenario objects land in the cluster behind the backend's kubeconfig.
      await env.applyScenario(scenario, 'v1alpha1-cosi86');
      const co = kc.makeApiClient(CustomObjectsApi);
      const bucketClass = (await co.getClusterCustomObject({
        group: 'objectstorage.k8s.io',
        version: 'v1alpha1',
        plural: 'bucketclasses',
        name: scenario.bucketClass.name,
      })) as { driverName: string; parameters: Record<string, string> };
      expect(bucketClass.driverName).toBe('v1alpha1-cosi86.cosi-chaos.io');
      expect(bucketClass.parameters['cosi-chaos.io/scenario']).toBe('cosi-86');
      await co.getNamespacedCustomObject({
        group: 'objectstorage.k8s.io',
        version: 'v1alpha1',
        namespace: 'cosi-chaos-scenarios',
        plural: 'bucketclaims',
        name: 'cosi-86-claim',
      });

      // The kubelet's restart count of the sidecar container becomes the variant's restarts.
      expect(member.restarts).toBe(0);
      const finishedAt = new Date(Date.now() - 5000);
      finishedAt.setMilliseconds(0);
      const current = await core.readNamespacedPodStatus({ name: 'driver-pod', namespace: SYSTEM_NS });
      current.status = {
        phase: 'Running',
        containerStatuses: ['mock-driver', 'objectstorage-sidecar'].map((name) => ({
          name,
          image: 'x',
          imageID: '',
          ready: true,
          restartCount: name === 'objectstorage-sidecar' ? 2 : 0,
          ...(name === 'objectstorage-sidecar'
            ? { lastState: { terminated: { exitCode: 1, finishedAt } } }
            : {}),
        })),
      };
      await core.replaceNamespacedPodStatus({ name: 'driver-pod', namespace: SYSTEM_NS, body: current });
      await expect.poll(() => member.restarts, { timeout: 10_000 }).toBe(2);
      expect(member.restartTimes).toEqual([finishedAt.getTime(), finishedAt.getTime()]);
    } finally {
      await env?.stop();
      await env?.stop();
      await new Promise((ok) => server.close(ok));
    }

    const K = '--kubeconfig $W/kind.kubeconfig';
    const lines = (await tools.commands()).map((c) => [c.cmd, ...c.argv].join(' ').replaceAll(w, '$W'));
    expect(lines).toEqual([
      // The tools are checked before anything is created.
      'docker info --format {{.ServerVersion}}',
      'kind version',
      'kind get clusters',
      'kind create cluster --name cosi-chaos-test --wait 120s --kubeconfig $W/kind.kubeconfig',
      'docker build -t cosi-chaos/mock-driver:dev -f deploy/mock-driver/Dockerfile .',
      'kind load docker-image cosi-chaos/mock-driver:dev --name cosi-chaos-test',
      `kubectl ${K} apply --server-side -k $W/kustomize/crds`,
      `kubectl ${K} wait --for=condition=Established --timeout=60s ${[
        'bucketaccessclasses',
        'bucketaccesses',
        'bucketclaims',
        'bucketclasses',
        'buckets',
      ]
        .map((c) => `crd/${c}.objectstorage.k8s.io`)
        .join(' ')}`,
      `kubectl ${K} apply -k $W/kustomize/cosi-chaos-driver-v1alpha1-cosi86`,
      `kubectl ${K} apply -k $W/kustomize/cosi-chaos-controller`,
      `kubectl ${K} rollout status deployment/cosi-chaos-driver-v1alpha1-cosi86 --namespace ${SYSTEM_NS} --timeout=180s`,
      `kubectl ${K} rollout status deployment/cosi-chaos-controller --namespace ${SYSTEM_NS} --timeout=180s`,
      `kubectl ${K} port-forward --namespace ${SYSTEM_NS} --address 127.0.0.1 service/cosi-chaos-driver-admin-v1alpha1-cosi86 :8080`,
      // stop(): logs next to the results, then the cluster goes.
      `kubectl ${K} logs --namespace ${SYSTEM_NS} deployment/cosi-chaos-driver-v1alpha1-cosi86 --container objectstorage-sidecar --timestamps --pod-running-timeout=5s`,
      `kubectl ${K} logs --namespace ${SYSTEM_NS} deployment/cosi-chaos-driver-v1alpha1-cosi86 --container mock-driver --timestamps --pod-running-timeout=5s`,
      `kubectl ${K} logs --namespace ${SYSTEM_NS} deployment/cosi-chaos-controller --timestamps --pod-running-timeout=5s`,
      'kind delete cluster --name cosi-chaos-test',
    ]);
    // The variant's rules reach the driver through its kustomization, scoped to the scenario.
    const rules = await readFile(join(w, 'kustomize/cosi-chaos-driver-v1alpha1-cosi86/rules.yaml'), 'utf8');
    expect(rules).toContain('name: cosi-86/invalid-bucket-name');
    expect(rules).toContain('cosi-chaos.io/scenario:');

    // stop() removed the scenario objects and the namespace it created.
    const co = kc.makeApiClient(CustomObjectsApi);
    const classes = (await co.listClusterCustomObject({
      group: 'objectstorage.k8s.io',
      version: 'v1alpha1',
      plural: 'bucketclasses',
    })) as { items: unknown[] };
    expect(classes.items).toEqual([]);
    const ns = await core.readNamespace({ name: 'cosi-chaos-scenarios' }).catch(() => undefined);
    expect(ns === undefined || ns.metadata?.deletionTimestamp !== undefined).toBe(true);
    expect(progress[0]).toBe('v1alpha1-cosi86: bringing up the kind backend');
  }, 120_000);

  it('without a Docker engine the kind backend fails before creating anything, saying what is missing', async () => {
    await tools.reset();
    const choice = backendFromFlags({ backend: 'kind' }, { runner: tools.runner() });
    const start = choice.suite.startEnvironment as NonNullable<typeof choice.suite.startEnvironment>;
    await expect(
      start({
        members: members(COSI86),
        scenarios: [scenario],
        logDir: join(tmp, 'kind-no-docker'),
        binaries: { etcd: '', kubeApiServer: '' },
        progress: () => {},
      }),
    ).rejects.toThrow(
      new ToolUnavailableError('kind', 'docker', 'no Docker engine reachable (docker info failed)'),
    );
    expect((await tools.commands()).map((c) => [c.cmd, ...c.argv].join(' '))).toEqual([
      'docker info --format {{.ServerVersion}}',
    ]);
  });

  it('--sidecar-image loads the image into kind; a variant without an image is unavailable, with the flag to fix it', async () => {
    const choice = backendFromFlags(
      { backend: 'kind', sidecarImage: ['v1alpha1-v0.1.0=example.com/sidecar:v0.1.0'] },
      { runner: tools.runner() },
    );
    const resolve = choice.suite.resolveSidecar as NonNullable<typeof choice.suite.resolveSidecar>;
    expect(await resolve(V010, () => {})).toEqual({
      path: 'example.com/sidecar:v0.1.0',
      component: {
        name: 'sidecar v1alpha1-v0.1.0',
        version: 'v0.1.0',
        source: 'image on the kind backend',
        path: 'example.com/sidecar:v0.1.0',
      },
    });
    expect((await resolve(COSI86, () => {})).path).toBe(
      'gcr.io/k8s-staging-sig-storage/objectstorage-sidecar:v20241219-v0.1.0-60-g6a5a12c',
    );
    const v2 = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha2-main') as SidecarVariant;
    const err = (await resolve(v2, () => {}).catch((e: unknown) => e)) as Error & {
      moduleUnavailable?: boolean;
    };
    expect(err.moduleUnavailable).toBe(true);
    expect(err.message).toBe(
      'no sidecar image of v1alpha2-main on the kind backend (only v1alpha1-cosi86 has a default, ' +
        "deploy/base's); build or pick one and pass --sidecar-image v1alpha2-main=IMAGE",
    );
    await expect(
      resolve({ ...COSI86, name: 'custom', binaryPath: '/bin/true', recipe: undefined }, () => {}),
    ).rejects.toThrow(/a sidecar binary cannot run on the kind backend/);
  });
});

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
  }, 120_000);
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
      'error: --sidecar-image nope=img: "nope" is not one of v1alpha1-cosi86, v1alpha1-v0.1.0, v1alpha1-v0.2.0, v1alpha1-v0.2.1, v1alpha1-v0.2.2, v1alpha2-main, custom',
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
