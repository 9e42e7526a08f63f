import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ExistingClusterBackend } from '../../harness/backends/existing-cluster-backend.ts';
import { releaseStack, writeReleaseStack } from '../../harness/backends/release-stack.ts';
import { variantSuffix } from '../../harness/backends/stack-names.ts';
import { ETCD, KUBE_APISERVER } from '../../harness/binaries/component-catalog.ts';
import { LocalControlPlane } from '../../harness/control-plane/local-control-plane.ts';
import { parseManifests } from '../../harness/cosi/kube-apply.ts';
import { provisionBinary } from '../../harness/runner/start/binary-provisioner.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from '../../harness/variants/sidecar-variants.ts';
import { realKubectl } from './fake-tools.ts';

// Every release's stack (its CRDs and controller RBAC from its own module, the controller Deployment, one driver +
// sidecar Pod per variant) validated by the real kube-apiserver (v1.33): schema, RBAC and admission errors show
// here instead of on a user's cluster. No kubelet here: nothing rolls out (the node-cluster e2e runs them).

const kubectl = realKubectl();
let cp: LocalControlPlane;
let tmp: string;

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  cp = await LocalControlPlane.start({ etcdBinary: etcd.path, apiServerBinary: api.path });
  tmp = await mkdtemp(join(tmpdir(), 'cosi-chaos-release-stack-'));
}, 1_800_000);

afterAll(async () => {
  await cp?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const member = (v: SidecarVariant) => ({
  variant: v,
  suffix: `-${v.name.replace(/\./g, '-')}-abc123`,
  sidecarImage: `cosi-chaos.local/objectstorage-sidecar:${v.name}`,
  driverName: `${v.name}.cosi-chaos.io`,
  rules: stringify({
    rules: [{ name: 'x', match: { rpc: 'create' }, action: { error: { code: 'InvalidArgument' } } }],
  }),
});

async function kubectlRun(args: string[], input?: string) {
  const res = await execa(kubectl, ['--kubeconfig', cp.adminKubeconfigPath, ...args], {
    reject: false,
    ...(input ? { input } : {}),
  });
  return { exitCode: res.exitCode ?? -1, stdout: res.stdout, stderr: res.stderr };
}

describe('per-release stacks pass the real kube-apiserver', () => {
  // One at a time: the releases' CRDs share names.
  it.each(BUILTIN_VARIANTS.map((v) => [v.name, v] as const))(
    '%s: CRDs established, every object accepted by a server-side dry run',
    async (_name, v) => {
      // No namespace controller here: a deleted namespace stays Terminating, so each release gets its own.
      const namespace = `cosi-chaos-dry-${variantSuffix(v.name).slice(1)}`;
      const stack = await releaseStack({
        namespace,
        runId: 'abc123',
        members: [member(v)],
        driverImage: 'cosi-chaos.local/mock-driver:dev',
        controllerImage: `cosi-chaos.local/objectstorage-controller:${v.name}`,
      });
      const dir = await writeReleaseStack(join(tmp, v.name), stack);
      const crds = await readFile(join(dir, 'crds.yaml'), 'utf8');
      expect(parseManifests(crds).map((o) => o.kind)).toEqual(
        stack.crds.map(() => 'CustomResourceDefinition'),
      );
      expect(stack.crds.length).toBeGreaterThanOrEqual(5);
      const names = stack.crds.map((o) => `crd/${o.metadata?.name}`);
      try {
        const created = await kubectlRun(['create', '-f', '-', '-o', 'name'], crds);
        expect(created.stderr).toBe('');
        expect(
          (await kubectlRun(['wait', '--for=condition=Established', '--timeout=60s', ...names])).exitCode,
        ).toBe(0);
        // The namespace first (a dry run creates nothing), then everything in it.
        const [ns, ...rest] = stack.objects;
        const nsText = stringify(ns);
        expect((await kubectlRun(['create', '-f', '-'], nsText)).exitCode).toBe(0);
        const dry = await kubectlRun(
          ['create', '--dry-run=server', '-f', '-', '-o', 'name'],
          rest.map((o) => stringify(o)).join('---\n'),
        );
        expect(dry.stderr).toBe('');
        expect(dry.stdout.split('\n').filter(Boolean)).toHaveLength(rest.length);
        const kinds = rest.map((o) => o.kind);
        expect(kinds.filter((k) => k === 'Deployment')).toHaveLength(2);
        expect(stack.controllerDeployment).toBe('cosi-chaos-controller-abc123');
        // The sidecar talks to the driver over the socket both containers mount, in the era's own way.
        const pod = rest.find(
          (o) => o.kind === 'Deployment' && o.metadata?.name?.startsWith('cosi-chaos-driver'),
        ) as unknown as {
          spec: {
            template: {
              spec: {
                containers: { name: string; args?: string[]; env?: { name: string; value?: string }[] }[];
              };
            };
          };
        };
        const sidecar = pod.spec.template.spec.containers.find((c) => c.name === 'objectstorage-sidecar');
        if (v.era === 'v1alpha1')
          expect(sidecar?.args).toContain('--driver-addr=unix:///var/lib/cosi/cosi.sock');
        else
          expect(sidecar?.env).toContainEqual({
            name: 'COSI_ENDPOINT',
            value: 'unix:///var/lib/cosi/cosi.sock',
          });
      } finally {
        await kubectlRun(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']);
        // The next release creates CRDs of the same names: they must be gone, not terminating (60 s was not
        // always enough on a busy machine).
        await kubectlRun(['delete', '--wait=true', '--timeout=300s', '--ignore-not-found', ...names]);
      }
    },
    420_000,
  );
});

describe('existing-cluster backend against the local kube-apiserver (real kubectl, no kubelet)', () => {
  const v = BUILTIN_VARIANTS.find((x) => x.name === 'v1alpha1-v0.2.2') as SidecarVariant;
  const variants = [
    {
      name: v.name,
      variant: v,
      driverName: `${v.name}.cosi-chaos.io`,
      sidecarImage: 'cosi-chaos.local/objectstorage-sidecar:x',
    },
  ];
  const images = {
    driverImage: 'cosi-chaos.local/mock-driver:dev',
    controllerImage: 'cosi-chaos.local/objectstorage-controller:x',
  };

  it('creates the release CRDs and its objects in its own namespace; stop() deletes all of it, CRDs included', async () => {
    const workDir = join(tmp, 'existing-ok');
    const handle = await new ExistingClusterBackend({
      variants,
      images,
      workDir,
      kubeconfig: cp.adminKubeconfigPath,
      waitForReady: false,
    }).up();
    const created = (handle as unknown as { createdObjects: { name: string }[] }).createdObjects.map(
      (o) => o.name,
    );
    expect(created.filter((n) => n.startsWith('customresourcedefinition'))).toHaveLength(5);
    const kc = cp.adminKubeConfig();
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const ours = async () =>
      (await rbac.listClusterRole({ labelSelector: 'app.kubernetes.io/part-of=cosi-chaos' })).items.map(
        (r) => r.metadata?.name ?? '',
      );
    expect((await ours()).length).toBeGreaterThanOrEqual(2);
    // What was applied is kept for the user: `kubectl apply -k` of it gives the same install.
    expect(await readFile(join(workDir, 'manifests', 'kustomization.yaml'), 'utf8')).toContain('stack.yaml');
    await handle.stop();
    expect(await ours()).toEqual([]);
    const crds = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.filter((c) => c.spec.group === 'objectstorage.k8s.io')).toEqual([]);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: handle.namespace });
    expect(ns.metadata?.deletionTimestamp).toBeDefined();
  }, 180_000);

  it('a rollout that never completes fails up() and still removes everything it created', async () => {
    const workDir = join(tmp, 'existing-fail');
    const err = await new ExistingClusterBackend({
      variants,
      images,
      workDir,
      kubeconfig: cp.adminKubeconfigPath,
      rolloutTimeoutSeconds: 2,
    })
      .up()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(err)).toMatch(/did not roll out within 2s/);
    const rbac = cp.adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    expect(
      (await rbac.listClusterRole({ labelSelector: 'app.kubernetes.io/part-of=cosi-chaos' })).items,
    ).toEqual([]);
    const crds = await cp.adminKubeConfig().makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.filter((c) => c.spec.group === 'objectstorage.k8s.io')).toEqual([]);
  }, 180_000);
});
