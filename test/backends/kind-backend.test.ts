import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CommandError } from '../../harness/backends/command-runner.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../../harness/backends/deploy-paths.ts';
import { needsDocker } from '../../harness/backends/docker-availability.ts';
import { KindBackend } from '../../harness/backends/kind-backend.ts';
import { createFakeTools, type FakeTools } from './fake-tools.ts';

const CRDS = [
  'bucketaccessclasses.objectstorage.k8s.io',
  'bucketaccesses.objectstorage.k8s.io',
  'bucketclaims.objectstorage.k8s.io',
  'bucketclasses.objectstorage.k8s.io',
  'buckets.objectstorage.k8s.io',
];

const VARIANT = {
  name: 'v1alpha1-cosi86',
  driverName: 'v1alpha1-cosi86.cosi-chaos.io',
  rules: 'rules: []\n',
};

let tools: FakeTools;
let workDir: string;

beforeAll(async () => {
  tools = await createFakeTools();
});

afterEach(async () => {
  await tools.reset();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function newWorkDir(): Promise<string> {
  workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-kind-test-'));
  return workDir;
}

/** Commands as "tool arg arg ..." lines, with the work dir shown as $W: the sequence reads like a script. */
async function script(): Promise<string[]> {
  return (await tools.commands()).map((c) => [c.cmd, ...c.argv].join(' ').replaceAll(workDir, '$W'));
}

const K = '--kubeconfig $W/kind.kubeconfig';

function installSteps(): string[] {
  return [
    `docker build -t cosi-chaos/mock-driver:dev -f deploy/mock-driver/Dockerfile .`,
    `kind load docker-image cosi-chaos/mock-driver:dev --name cosi-chaos-test`,
    `kind load docker-image cosi-chaos/objectstorage-sidecar-patched:dev --name cosi-chaos-test`,
    `kubectl ${K} apply --server-side -k $W/kustomize/crds`,
    `kubectl ${K} wait --for=condition=Established --timeout=60s ${CRDS.map((c) => `crd/${c}`).join(' ')}`,
    `kubectl ${K} apply -k $W/kustomize/cosi-chaos-driver-v1alpha1-cosi86`,
    `kubectl ${K} apply -k $W/kustomize/cosi-chaos-controller`,
  ];
}

const LOGS = [
  `kubectl ${K} logs --namespace cosi-chaos-system deployment/cosi-chaos-driver-v1alpha1-cosi86 --container objectstorage-sidecar --timestamps --pod-running-timeout=5s`,
  `kubectl ${K} logs --namespace cosi-chaos-system deployment/cosi-chaos-driver-v1alpha1-cosi86 --container mock-driver --timestamps --pod-running-timeout=5s`,
  `kubectl ${K} logs --namespace cosi-chaos-system deployment/cosi-chaos-controller --timestamps --pod-running-timeout=5s`,
];

describe('kind backend: the exact commands (fake kind, docker and kubectl first on PATH)', () => {
  it('creates the cluster, builds and loads images, applies, waits, port-forwards, collects logs, deletes', async () => {
    const w = await newWorkDir();
    const backend = new KindBackend({
      variants: [VARIANT],
      workDir: w,
      clusterName: 'cosi-chaos-test',
      loadImages: ['cosi-chaos/objectstorage-sidecar-patched:dev'],
      runner: tools.runner(),
    });
    const handle = await backend.up();
    expect(handle.kubeconfigPath).toBe(join(w, 'kind.kubeconfig'));
    expect(await handle.driverAdminUrl('v1alpha1-cosi86')).toBe('http://127.0.0.1:43210');
    // A second call reuses the forward.
    expect(await handle.driverAdminUrl('v1alpha1-cosi86')).toBe('http://127.0.0.1:43210');
    await expect(handle.driverAdminUrl('v1alpha2-main')).rejects.toThrow(/not deployed here/);
    const files = await handle.collectLogs(join(w, 'failed-expectation'));
    await handle.stop();
    await handle.stop();

    expect(await script()).toEqual([
      'kind get clusters',
      'kind create cluster --name cosi-chaos-test --wait 120s --kubeconfig $W/kind.kubeconfig',
      ...installSteps(),
      `kubectl ${K} rollout status deployment/cosi-chaos-driver-v1alpha1-cosi86 --namespace cosi-chaos-system --timeout=180s`,
      `kubectl ${K} rollout status deployment/cosi-chaos-controller --namespace cosi-chaos-system --timeout=180s`,
      `kubectl ${K} port-forward --namespace cosi-chaos-system --address 127.0.0.1 service/cosi-chaos-driver-admin-v1alpha1-cosi86 :8080`,
      ...LOGS,
      'kind delete cluster --name cosi-chaos-test',
    ]);
    const build = (await tools.commands()).find((c) => c.cmd === 'docker');
    expect(build?.cwd.replace(/\/?$/, '/')).toBe(REPO_ROOT);
    expect(files.map((f) => f.slice(w.length + 1))).toEqual([
      'failed-expectation/v1alpha1-cosi86.objectstorage-sidecar.log',
      'failed-expectation/v1alpha1-cosi86.mock-driver.log',
      'failed-expectation/controller.log',
    ]);
    expect(await readFile(files[0] as string, 'utf8')).toContain('--container objectstorage-sidecar');
    // The generated kustomization carries the variant's driver name and rules.
    const kustomization = await readFile(
      join(w, 'kustomize/cosi-chaos-driver-v1alpha1-cosi86/kustomization.yaml'),
      'utf8',
    );
    expect(kustomization).toContain('driverName=v1alpha1-cosi86.cosi-chaos.io');
    const generated = parse(kustomization) as { resources: string[] };
    expect(
      resolve(join(w, 'kustomize/cosi-chaos-driver-v1alpha1-cosi86'), generated.resources[0] as string),
    ).toBe(join(DEPLOY_DIR, 'overlays/kind'));
  });

  it('--keep reuses an existing cluster and leaves it', async () => {
    const w = await newWorkDir();
    const handle = await new KindBackend({
      variants: [VARIANT],
      workDir: w,
      clusterName: 'cosi-chaos-test',
      keep: true,
      loadImages: ['cosi-chaos/objectstorage-sidecar-patched:dev'],
      runner: tools.runner({ FAKE_KIND_CLUSTERS: 'other cosi-chaos-test' }),
    }).up();
    await handle.stop();
    const lines = await script();
    expect(lines.slice(0, 2)).toEqual([
      'kind get clusters',
      'kind export kubeconfig --name cosi-chaos-test --kubeconfig $W/kind.kubeconfig',
    ]);
    expect(lines.filter((l) => l.startsWith('kind create') || l.startsWith('kind delete'))).toEqual([]);
  });

  it('a rollout that fails collects the logs, deletes the cluster and rejects with the command error', async () => {
    const w = await newWorkDir();
    const up = new KindBackend({
      variants: [VARIANT],
      workDir: w,
      clusterName: 'cosi-chaos-test',
      loadImages: ['cosi-chaos/objectstorage-sidecar-patched:dev'],
      rolloutTimeoutSeconds: 5,
      runner: tools.runner({ FAKE_ROLLOUT_FAIL: '1' }),
    }).up();
    const err = await up.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).exitCode).toBe(1);
    expect((err as CommandError).stderrTail).toContain('timed out waiting for the condition');
    expect(await script()).toEqual([
      'kind get clusters',
      'kind create cluster --name cosi-chaos-test --wait 120s --kubeconfig $W/kind.kubeconfig',
      ...installSteps(),
      `kubectl ${K} rollout status deployment/cosi-chaos-driver-v1alpha1-cosi86 --namespace cosi-chaos-system --timeout=5s`,
      ...LOGS,
      'kind delete cluster --name cosi-chaos-test',
    ]);
    expect((await readdir(join(w, 'logs'))).sort()).toEqual([
      'controller.log',
      'v1alpha1-cosi86.mock-driver.log',
      'v1alpha1-cosi86.objectstorage-sidecar.log',
    ]);
  });

  it('refuses bad options up front, naming them', () => {
    expect(() => new KindBackend({ variants: [], workDir: '/tmp/x' })).toThrow(/variants/);
    expect(
      () => new KindBackend({ variants: [VARIANT], workDir: '/tmp/x', clusterName: 'Bad Name' }),
    ).toThrow(/clusterName "Bad Name"/);
  });
});

describe('kind backend on a real Docker engine', () => {
  it('brings up kind with the real sidecar and reaches the driver admin API', async (ctx) => {
    const skip = await needsDocker('the real kind lane builds images and runs a kind cluster');
    if (skip) ctx.skip(skip);
    const w = await newWorkDir();
    const handle = await new KindBackend({
      variants: [VARIANT],
      workDir: w,
      clusterName: 'cosi-chaos-vitest',
    }).up();
    try {
      const url = await handle.driverAdminUrl(VARIANT.name);
      expect((await fetch(`${url}/healthz`)).ok).toBe(true);
    } finally {
      await handle.stop();
    }
  }, 900_000);
});
