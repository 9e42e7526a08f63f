import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../harness/backends/command-runner.ts';
import { detectDocker, needsDocker } from '../../harness/backends/docker-availability.ts';
import { ExistingClusterBackend } from '../../harness/backends/existing-cluster-backend.ts';
import {
  K3sTestcontainersBackend,
  type StartedK3s,
} from '../../harness/backends/k3s-testcontainers-backend.ts';
import { createFakeTools, type FakeTools } from './fake-tools.ts';

const VARIANT = { name: 'v1alpha1-v0.1.0', driverName: 'v1alpha1-v0-1-0.cosi-chaos.io' };
const CRDS = [
  'bucketaccessclasses.objectstorage.k8s.io',
  'bucketaccesses.objectstorage.k8s.io',
  'bucketclaims.objectstorage.k8s.io',
  'bucketclasses.objectstorage.k8s.io',
  'buckets.objectstorage.k8s.io',
];

let tools: FakeTools;
let workDir: string;

beforeAll(async () => {
  tools = await createFakeTools();
});

afterEach(async () => {
  await tools.reset();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function script(): Promise<string[]> {
  return (await tools.commands()).map((c) => [c.cmd, ...c.argv].join(' ').replaceAll(workDir, '$W'));
}

/** Objects `kubectl create -o name` prints for one variant (kustomize's order), with the run's suffix. */
function variantObjects(suffix: string): string[] {
  return [
    `serviceaccount/cosi-chaos-sidecar${suffix}`,
    `role/cosi-chaos-sidecar${suffix}`,
    `clusterrole/cosi-chaos-sidecar${suffix}`,
    `rolebinding/cosi-chaos-sidecar${suffix}`,
    `clusterrolebinding/cosi-chaos-sidecar${suffix}`,
    `configmap/cosi-chaos-driver-config${suffix}`,
    `configmap/cosi-chaos-driver-rules${suffix}`,
    `service/cosi-chaos-driver-admin${suffix}`,
    `deployment/cosi-chaos-driver${suffix}`,
  ];
}

function controllerObjects(suffix: string): string[] {
  return [
    `serviceaccount/cosi-chaos-controller${suffix}`,
    `role/cosi-chaos-controller${suffix}`,
    `clusterrole/cosi-chaos-controller${suffix}`,
    `rolebinding/cosi-chaos-controller${suffix}`,
    `clusterrolebinding/cosi-chaos-controller${suffix}`,
    `deployment/cosi-chaos-controller${suffix}`,
  ];
}

describe('existing-cluster backend: the exact commands', () => {
  it('installs into its own namespace, tracks every created object and deletes them in reverse order', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-existing-test-'));
    const backend = new ExistingClusterBackend({
      variants: [VARIANT],
      workDir,
      kubeconfig: '/home/u/.kube/config',
      context: 'staging',
      namespace: 'cosi-chaos-t1',
      runner: tools.runner(),
    });
    const handle = (await backend.up()) as Awaited<ReturnType<ExistingClusterBackend['up']>> & {
      createdObjects: readonly { name: string }[];
    };
    const runId = (await tools.commands())
      .flatMap((c) => c.argv)
      .find((a) => a.startsWith('deployment/cosi-chaos-controller-'))
      ?.slice('deployment/cosi-chaos-controller-'.length);
    expect(runId).toMatch(/^[0-9a-f]{6}$/);
    const vs = `-v1alpha1-v0-1-0-${runId}`;
    const created = [
      ...CRDS.map((c) => `customresourcedefinition/${c}`),
      'namespace/cosi-chaos-t1',
      ...variantObjects(vs),
      ...controllerObjects(`-${runId}`),
    ];
    expect(handle.createdObjects.map((o) => o.name)).toEqual(created);
    expect(handle.namespace).toBe('cosi-chaos-t1');
    await handle.stop();
    await handle.stop();

    const K = '--kubeconfig $W/existing.kubeconfig';
    expect(await script()).toEqual([
      'kubectl config view --minify --flatten --kubeconfig /home/u/.kube/config --context staging',
      `kubectl ${K} get ${CRDS.map((c) => `crd/${c}`).join(' ')} --ignore-not-found -o name`,
      `kubectl kustomize $W/kustomize/crds`,
      `kubectl ${K} create -f - -o name`,
      `kubectl ${K} wait --for=condition=Established --timeout=60s ${CRDS.map((c) => `crd/${c}`).join(' ')}`,
      `kubectl ${K} create -f - -o name`,
      `kubectl kustomize $W/kustomize/cosi-chaos-driver${vs}`,
      `kubectl ${K} create -f - -o name`,
      `kubectl kustomize $W/kustomize/controller`,
      `kubectl ${K} create -f - -o name`,
      `kubectl ${K} rollout status deployment/cosi-chaos-driver${vs} --namespace cosi-chaos-t1 --timeout=180s`,
      `kubectl ${K} rollout status deployment/cosi-chaos-controller-${runId} --namespace cosi-chaos-t1 --timeout=180s`,
      `kubectl ${K} delete --namespace cosi-chaos-t1 --ignore-not-found --wait=false ${[...created].reverse().join(' ')}`,
    ]);
  });

  it('leaves CRDs that were already there alone', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-existing-test-'));
    const handle = await new ExistingClusterBackend({
      variants: [VARIANT],
      workDir,
      installController: false,
      runner: tools.runner({ FAKE_EXISTING_CRDS: CRDS.join(' ') }),
    }).up();
    expect(handle.namespace).toMatch(/^cosi-chaos-[0-9a-f]{6}$/);
    await handle.stop();
    const lines = await script();
    expect(lines[0]).toBe('kubectl config view --minify --flatten');
    expect(lines.filter((l) => / wait /.test(l))).toEqual([]);
    const del = lines.at(-1) ?? '';
    expect(del).toMatch(/ delete /);
    expect(del).not.toMatch(/customresourcedefinition/);
    expect(del).not.toMatch(/controller/);
    expect(del).toMatch(new RegExp(`namespace/${handle.namespace}$`));
  });

  it('a create that fails half way removes what was created before and rejects with kubectl error', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-existing-test-'));
    const err = await new ExistingClusterBackend({
      variants: [VARIANT],
      workDir,
      namespace: 'cosi-chaos-t2',
      runner: tools.runner({ FAKE_EXISTING_CRDS: CRDS.join(' '), FAKE_FAIL_CREATE_KIND: 'Deployment' }),
    })
      .up()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).stderrTail).toMatch(
      /deployment cosi-chaos-driver-v1alpha1-v0-1-0-[0-9a-f]{6} is invalid/,
    );
    const lines = await script();
    const vs = /deployment\/cosi-chaos-driver(-v1alpha1-v0-1-0-[0-9a-f]{6})/.exec(
      lines.join('\n'),
    )?.[1] as string;
    expect(lines.slice(-4)).toEqual([
      // Logs of what did get created, then the reverse-order delete of everything but the failed Deployment.
      `kubectl --kubeconfig $W/existing.kubeconfig logs --namespace cosi-chaos-t2 deployment/cosi-chaos-driver${vs} --container objectstorage-sidecar --timestamps --pod-running-timeout=5s`,
      `kubectl --kubeconfig $W/existing.kubeconfig logs --namespace cosi-chaos-t2 deployment/cosi-chaos-driver${vs} --container mock-driver --timestamps --pod-running-timeout=5s`,
      expect.stringMatching(
        / logs --namespace cosi-chaos-t2 deployment\/cosi-chaos-controller-[0-9a-f]{6} --timestamps --pod-running-timeout=5s$/,
      ),
      `kubectl --kubeconfig $W/existing.kubeconfig delete --namespace cosi-chaos-t2 --ignore-not-found --wait=false ${[
        'namespace/cosi-chaos-t2',
        ...variantObjects(vs).slice(0, -1),
      ]
        .reverse()
        .join(' ')}`,
    ]);
    expect(lines.filter((l) => l.includes('kustomize/controller'))).toEqual([]);
  });
});

describe('k3s backend: the exact commands (container start injected)', () => {
  it('builds, saves and imports the driver image, then installs like the existing-cluster backend', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-k3s-test-'));
    const events: string[] = [];
    const fakeK3s = async (image: string): Promise<StartedK3s> => {
      events.push(`start ${image}`);
      return {
        kubeconfig: 'apiVersion: v1\nkind: Config\n',
        importImage: async (tar) => {
          events.push(`import ${tar.replace(workDir, '$W')}`);
        },
        stop: async () => {
          events.push('stop');
        },
      };
    };
    const handle = await new K3sTestcontainersBackend({
      variants: [VARIANT],
      workDir,
      namespace: 'cosi-chaos-k3s',
      runner: tools.runner(),
      startK3s: fakeK3s,
    }).up();
    expect(handle.backend).toBe('k3s');
    expect(handle.kubeconfigPath).toBe(join(workDir, 'k3s.kubeconfig'));
    await handle.stop();
    await handle.stop();
    const lines = await script();
    expect(lines.slice(0, 3)).toEqual([
      'docker build -t cosi-chaos/mock-driver:dev -f deploy/mock-driver/Dockerfile .',
      'docker save -o $W/mock-driver-image.tar cosi-chaos/mock-driver:dev',
      'kubectl config view --minify --flatten --kubeconfig $W/k3s-container.kubeconfig',
    ]);
    expect(lines.at(-1)).toMatch(
      /^kubectl --kubeconfig \$W\/k3s.kubeconfig delete --namespace cosi-chaos-k3s .* namespace\/cosi-chaos-k3s /,
    );
    expect(events).toEqual(['start rancher/k3s:v1.31.2-k3s1', 'import $W/mock-driver-image.tar', 'stop']);
    // k3s runs the imported image: the kind overlay's IfNotPresent keeps it from pulling.
    expect(lines).toContain(
      `kubectl kustomize $W/kustomize/cosi-chaos-driver${/-v1alpha1-v0-1-0-[0-9a-f]{6}/.exec(lines.join(' '))?.[0]}`,
    );
  });

  it('runs K3sContainer from @testcontainers/k3s on a real Docker engine', async (ctx) => {
    const skip = await needsDocker('the real k3s lane starts a privileged rancher/k3s container');
    if (skip) ctx.skip(skip);
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-k3s-real-'));
    const handle = await new K3sTestcontainersBackend({ variants: [VARIANT], workDir }).up();
    try {
      const url = await handle.driverAdminUrl(VARIANT.name);
      expect((await fetch(`${url}/healthz`)).ok).toBe(true);
    } finally {
      await handle.stop();
    }
  }, 900_000);
});

describe('docker availability', () => {
  it('an engine that does not answer docker info is "not available", with the skip message tests print', async () => {
    const runner = tools.runner({ FAKE_DOCKER_INFO_RC: '1' });
    expect(await detectDocker(runner)).toEqual({
      available: false,
      reason: 'no Docker engine reachable (docker info failed)',
    });
    expect(await needsDocker('real kind lane', runner)).toBe(
      'needs Docker: no Docker engine reachable (docker info failed) — real kind lane',
    );
    expect(await detectDocker(tools.runner({ FAKE_DOCKER_INFO_RC: '0' }))).toEqual({
      available: true,
      reason: 'Docker engine 28.2.2',
    });
    expect(await needsDocker('x', tools.runner({ FAKE_DOCKER_INFO_RC: '0' }))).toBeUndefined();
  });
});
