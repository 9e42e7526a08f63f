import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubernetesObjectApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeV1alpha1CrdKustomization } from '../../harness/backends/crd-kustomization.ts';
import { DEPLOY_DIR } from '../../harness/backends/deploy-paths.ts';
import { ExistingClusterBackend } from '../../harness/backends/existing-cluster-backend.ts';
import {
  writeControllerKustomization,
  writeVariantKustomization,
} from '../../harness/backends/stack-kustomization.ts';
import { ETCD, KUBE_APISERVER, V1ALPHA1_CRDS } from '../../harness/binaries/component-catalog.ts';
import { LocalControlPlane } from '../../harness/control-plane/local-control-plane.ts';
import { crdManifests, installCrds } from '../../harness/cosi/crd-installer.ts';
import { parseManifests } from '../../harness/cosi/kube-apply.ts';
import { provisionBinary } from '../../harness/runner/binary-provisioner.ts';
import { realKubectl } from './fake-tools.ts';

// Every kustomization validated by the real kube-apiserver (v1.33) with the v1alpha1 CRDs installed: schema,
// RBAC and admission errors surface here instead of on a user's cluster.

const kubectl = realKubectl();
let cp: LocalControlPlane;
let tmp: string;

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  cp = await LocalControlPlane.start({ etcdBinary: etcd.path, apiServerBinary: api.path });
  await installCrds(cp.adminKubeConfig(), await crdManifests(V1ALPHA1_CRDS));
  // deploy/controller and the generated kustomizations go into namespaces deploy/base would create.
  const core = cp.adminKubeConfig().makeApiClient(CoreV1Api);
  for (const name of ['cosi-chaos-system', 'cosi-chaos-generated'])
    await core.createNamespace({ body: { metadata: { name } } });
  tmp = await mkdtemp(join(tmpdir(), 'cosi-chaos-dry-run-'));
});

afterAll(async () => {
  await cp?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function render(dir: string): Promise<string> {
  return (await execa(kubectl, ['kustomize', dir])).stdout;
}

/** `kubectl apply --dry-run=server` of the rendered text; returns the names the server validated. */
async function dryRun(text: string): Promise<{ exitCode: number; names: string[]; stderr: string }> {
  const res = await execa(
    kubectl,
    ['--kubeconfig', cp.adminKubeconfigPath, 'apply', '--dry-run=server', '-f', '-', '-o', 'name'],
    {
      input: text,
      reject: false,
    },
  );
  return { exitCode: res.exitCode ?? -1, names: res.stdout.split('\n').filter(Boolean), stderr: res.stderr };
}

const BASE_KINDS = {
  Namespace: 1,
  ServiceAccount: 1,
  Role: 1,
  ClusterRole: 1,
  RoleBinding: 1,
  ClusterRoleBinding: 1,
  ConfigMap: 2,
  Service: 1,
  Deployment: 1,
};
const CONTROLLER_KINDS = {
  ServiceAccount: 1,
  Role: 1,
  ClusterRole: 1,
  RoleBinding: 1,
  ClusterRoleBinding: 1,
  Deployment: 1,
};

function kinds(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of parseManifests(text)) out[o.kind as string] = (out[o.kind as string] ?? 0) + 1;
  return out;
}

describe('kustomizations pass kubectl apply --dry-run=server against the local kube-apiserver', () => {
  it.each([
    ['base', BASE_KINDS, 10],
    ['controller', CONTROLLER_KINDS, 6],
    ['overlays/kind', BASE_KINDS, 10],
    ['overlays/patched-sidecar', BASE_KINDS, 10],
  ] as const)('deploy/%s', async (dir, expectedKinds, count) => {
    const text = await render(join(DEPLOY_DIR, dir));
    expect(kinds(text)).toEqual(expectedKinds);
    const res = await dryRun(text);
    // The only stderr allowed: kubectl's note that the Namespace this test created lacks its annotation.
    expect(res.stderr.split('\n').filter((l) => l && !l.includes('last-applied-configuration'))).toEqual([]);
    expect(res.exitCode).toBe(0);
    expect(res.names).toHaveLength(count);
  });

  it('the CRD kustomization written from the Go module cache (5 CRDs)', async () => {
    const crds = await writeV1alpha1CrdKustomization(join(tmp, 'crds'));
    const res = await dryRun(await render(crds.dir));
    expect(res.exitCode).toBe(0);
    expect(res.names).toEqual(crds.crdNames.map((n) => `customresourcedefinition.apiextensions.k8s.io/${n}`));
    expect(res.names).toHaveLength(5);
  });

  it('generated per-variant and controller kustomizations (namespace, suffix, images, rules)', async () => {
    const variantDir = await writeVariantKustomization(join(tmp, 'variant'), {
      source: 'overlays/kind',
      namespace: 'cosi-chaos-generated',
      suffix: '-v1alpha1-cosi86',
      driverImage: 'registry.example:5000/cosi-chaos/mock-driver:abc',
      variant: {
        name: 'v1alpha1-cosi86',
        driverName: 'v1alpha1-cosi86.cosi-chaos.io',
        sidecarImage:
          'registry.example:5000/sidecar@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        rules:
          'rules:\n  - name: invalid-bucket-name\n    match: { rpc: create }\n    action: { error: { code: InvalidArgument } }\n',
      },
    });
    const text = await render(variantDir);
    const objects = parseManifests(text);
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(deployment.spec.template.spec.containers.map((c) => c.image)).toEqual([
      'registry.example:5000/cosi-chaos/mock-driver:abc',
      'registry.example:5000/sidecar@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ]);
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding') as unknown as { subjects: object[] };
    expect(binding.subjects).toEqual([
      {
        kind: 'ServiceAccount',
        name: 'cosi-chaos-sidecar-v1alpha1-cosi86',
        namespace: 'cosi-chaos-generated',
      },
    ]);
    const res = await dryRun(text);
    expect(res.exitCode).toBe(0);
    expect(res.names).toHaveLength(10);

    const controllerDir = await writeControllerKustomization(join(tmp, 'controller'), {
      namespace: 'cosi-chaos-generated',
      suffix: '-run1',
      image: 'example.com/objectstorage-controller:v0.1.1',
    });
    const ctl = await dryRun(await render(controllerDir));
    expect(ctl.exitCode).toBe(0);
    expect(ctl.names).toHaveLength(6);
  });

  it('deploy/crds/v1alpha1 points at the API module commit the harness installs from', async () => {
    const k = parse(await readFile(join(DEPLOY_DIR, 'crds/v1alpha1/kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    const commit = V1ALPHA1_CRDS.version.split('-').at(-1) as string;
    expect(k.resources).toEqual([
      `https://github.com/kubernetes-sigs/container-object-storage-interface-api?ref=${commit.slice(0, 12)}`,
    ]);
  });
});

describe('existing-cluster backend against the local kube-apiserver (real kubectl)', () => {
  const variants = [{ name: 'v1alpha1-cosi86', driverName: 'v1alpha1-cosi86.cosi-chaos.io' }];

  it('creates everything in its own namespace and deletes what it created; pre-installed CRDs stay', async () => {
    const workDir = join(tmp, 'existing-ok');
    const handle = await new ExistingClusterBackend({
      variants,
      workDir,
      kubeconfig: cp.adminKubeconfigPath,
      // No kube-controller-manager or kubelet here: nothing would ever roll out.
      waitForReady: false,
    }).up();
    const created = (handle as unknown as { createdObjects: { name: string }[] }).createdObjects.map(
      (o) => o.name,
    );
    expect(created).toHaveLength(1 + 9 + 6);
    expect(created.some((n) => n.startsWith('customresourcedefinition'))).toBe(false);
    const kc = cp.adminKubeConfig();
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const ours = async () =>
      (await rbac.listClusterRole()).items
        .map((r) => r.metadata?.name ?? '')
        .filter((n) => n.startsWith('cosi-chaos-'));
    expect((await ours()).length).toBe(2);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const dep = await objects.list('apps/v1', 'Deployment', handle.namespace);
    expect(dep.items.map((d) => d.metadata?.name).sort()).toEqual(
      [
        expect.stringMatching(/^cosi-chaos-controller-[0-9a-f]{6}$/),
        expect.stringMatching(/^cosi-chaos-driver-v1alpha1-cosi86-[0-9a-f]{6}$/),
      ].sort(),
    );
    await handle.stop();
    expect(await ours()).toEqual([]);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: handle.namespace });
    expect(ns.metadata?.deletionTimestamp).toBeDefined();
    expect(
      (
        await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: handle.namespace })
      ).items.filter((c) => c.metadata?.name?.startsWith('cosi-chaos-')),
    ).toEqual([]);
  });

  it('a rollout that never completes fails up() and still removes everything it created', async () => {
    const workDir = join(tmp, 'existing-fail');
    const err = await new ExistingClusterBackend({
      variants,
      workDir,
      kubeconfig: cp.adminKubeconfigPath,
      rolloutTimeoutSeconds: 2,
    })
      .up()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(err)).toMatch(/rollout status .* exited 1/);
    const rbac = cp.adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    expect(
      (await rbac.listClusterRole()).items.filter((r) => r.metadata?.name?.startsWith('cosi-chaos-')),
    ).toEqual([]);
    expect(
      (await rbac.listClusterRoleBinding()).items.filter((r) => r.metadata?.name?.startsWith('cosi-chaos-')),
    ).toEqual([]);
  }, 120_000);
});
