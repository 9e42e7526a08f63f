import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { crdManifests } from '../cosi/crd-installer.ts';
import { parseManifests } from '../cosi/kube-apply.ts';
import { sidecarRbac } from '../cosi/rbac-manifests.ts';
import { upstreamControllerRbac } from '../cosi/upstream-rbac.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import { variantObjectNames, variantSuffix } from './stack-names.ts';

/** The label every variant's pods carry: the variant suffix without its leading '-'. */
export const VARIANT_LABEL = 'cosi-chaos.io/variant';
const PART_OF = { 'app.kubernetes.io/part-of': 'cosi-chaos' };
const SOCKET_DIR = '/var/lib/cosi';
const SOCKET = `unix://${SOCKET_DIR}/cosi.sock`;
const ADMIN_PORT = 8080;

/** One driver + sidecar Pod of a release: which sidecar image, which driver name, which rules. */
export interface ReleaseMember {
  variant: SidecarVariant;
  /** Object-name suffix (`-<variant>-<run id>`): every name of this pair ends with it. */
  suffix: string;
  sidecarImage: string;
  driverName: string;
  /** The mock driver's rules file (YAML). */
  rules: string;
}

export interface ReleaseStackOptions {
  namespace: string;
  /** Appended to cluster-scoped names (ClusterRoles, their bindings) so runs side by side never collide. */
  runId: string;
  members: ReleaseMember[];
  driverImage: string;
  /** The release's controller image; no controller is deployed when unset (the cluster already runs one). */
  controllerImage?: string;
  /** IfNotPresent by default: images built here are imported into the node, never pulled. */
  imagePullPolicy?: 'IfNotPresent' | 'Never' | 'Always';
}

/** Everything one release needs on a cluster, in apply order: CRDs first (cluster-wide), then the namespace's. */
export interface ReleaseStack {
  crds: KubernetesObject[];
  objects: KubernetesObject[];
  /** Deployment and admin Service per variant. */
  deployments: { variant: string; deployment: string; adminService: string }[];
  controllerDeployment?: string;
}

/**
 * A release's stack as the local backend runs it, as manifests: its CRDs and controller RBAC read from its own
 * module version (never copied into this repository), its controller as a Deployment, and per variant one Pod
 * in which the mock driver and the real sidecar share the driver's unix socket (an emptyDir), as upstream
 * deploys drivers. The sidecars' RBAC is the harness's own (harness/cosi/rbac-manifests.ts), as locally.
 */
export async function releaseStack(opts: ReleaseStackOptions): Promise<ReleaseStack> {
  const first = opts.members[0];
  if (!first) throw new Error('a release stack needs at least one variant');
  const { namespace, runId } = opts;
  const era = first.variant.era;
  const pull = opts.imagePullPolicy ?? 'IfNotPresent';
  const crds = (await crdManifests(first.variant.crds))
    .flatMap((text) => parseManifests(text))
    .filter((o) => o.kind === 'CustomResourceDefinition')
    .map((o) => ({
      ...o,
      metadata: {
        ...o.metadata,
        labels: { ...o.metadata?.labels, ...PART_OF },
        // As upstream's own kustomization adds it: the API server refuses *.k8s.io CRDs without it.
        annotations: {
          ...o.metadata?.annotations,
          'api-approved.kubernetes.io': `unapproved, ${first.variant.crds.module}@${first.variant.crds.version} installed by cosi-chaos`,
        },
      },
    }));
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: PART_OF } },
  ];
  let controllerDeployment: string | undefined;
  if (opts.controllerImage) {
    const rbac = await upstreamControllerRbac(first.variant.controller, namespace);
    objects.push(...rbac.objects.map((o) => suffixClusterScoped(o, runId)));
    controllerDeployment = `cosi-chaos-controller-${runId}`;
    objects.push(
      deployment(
        controllerDeployment,
        namespace,
        { app: controllerDeployment },
        {
          serviceAccountName: rbac.serviceAccount,
          containers: [
            {
              name: 'objectstorage-controller',
              image: opts.controllerImage,
              imagePullPolicy: pull,
              args: era === 'v1alpha1' ? ['--v=5'] : ['--metrics-bind-address=0'],
              env: [podNamespaceEnv()],
            },
          ],
        },
      ),
    );
  }
  const deployments: ReleaseStack['deployments'] = [];
  for (const m of opts.members) {
    const names = variantObjectNames(m.suffix);
    const sa = `cosi-sidecar${m.suffix}`;
    const label = variantSuffix(m.variant.name).slice(1);
    const selector = { [VARIANT_LABEL]: label, app: names.deployment };
    objects.push(...sidecarRbac(sa, namespace));
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cosi-chaos-driver-rules${m.suffix}`, namespace, labels: PART_OF },
      data: { 'rules.yaml': m.rules },
    } as KubernetesObject);
    const sidecarEnv =
      era === 'v1alpha1'
        ? { args: [`--driver-addr=${SOCKET}`, '--v=5'], env: [podNamespaceEnv()] }
        : {
            args: ['--metrics-bind-address=0'],
            env: [{ name: 'COSI_ENDPOINT', value: SOCKET }, podNamespaceEnv()],
          };
    objects.push(
      deployment(names.deployment, namespace, selector, {
        serviceAccountName: sa,
        containers: [
          {
            name: 'mock-driver',
            image: opts.driverImage,
            imagePullPolicy: pull,
            args: [
              `--socket=${SOCKET_DIR}/cosi.sock`,
              `--name=${m.driverName}`,
              '--rules=/etc/cosi-chaos/rules/rules.yaml',
              '--journal=/var/lib/cosi-chaos/journal.jsonl',
              // Every interface of the pod's own network namespace: reached through the Service below or a
              // port-forward, never outside the cluster.
              `--admin=0.0.0.0:${ADMIN_PORT}`,
            ],
            ports: [{ name: 'admin', containerPort: ADMIN_PORT }],
            readinessProbe: { httpGet: { path: '/healthz', port: 'admin' }, periodSeconds: 2 },
            securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false },
            volumeMounts: [
              { name: 'socket', mountPath: SOCKET_DIR },
              { name: 'rules', mountPath: '/etc/cosi-chaos/rules', readOnly: true },
              { name: 'journal', mountPath: '/var/lib/cosi-chaos' },
            ],
          },
          {
            name: 'objectstorage-sidecar',
            image: m.sidecarImage,
            imagePullPolicy: pull,
            ...sidecarEnv,
            volumeMounts: [{ name: 'socket', mountPath: SOCKET_DIR }],
          },
        ],
        volumes: [
          { name: 'socket', emptyDir: {} },
          { name: 'journal', emptyDir: {} },
          { name: 'rules', configMap: { name: `cosi-chaos-driver-rules${m.suffix}` } },
        ],
      }),
    );
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.adminService, namespace, labels: PART_OF },
      spec: { selector, ports: [{ name: 'admin', port: ADMIN_PORT, targetPort: 'admin' }] },
    } as KubernetesObject);
    deployments.push({ variant: m.variant.name, ...names });
  }
  return { crds, objects, deployments, ...(controllerDeployment ? { controllerDeployment } : {}) };
}

/** Writes the stack as `crds.yaml` + `stack.yaml` and a kustomization, for `kubectl apply -k` by hand or in CI. */
export async function writeReleaseStack(dir: string, stack: ReleaseStack): Promise<string> {
  await mkdir(dir, { recursive: true });
  const yaml = (objs: KubernetesObject[]) => objs.map((o) => stringify(o)).join('---\n');
  await writeFile(join(dir, 'crds.yaml'), yaml(stack.crds));
  await writeFile(join(dir, 'stack.yaml'), yaml(stack.objects));
  await writeFile(
    join(dir, 'kustomization.yaml'),
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['crds.yaml', 'stack.yaml'],
    }),
  );
  return dir;
}

function podNamespaceEnv(): object {
  // Leader election and Events use the pod's namespace.
  return { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } };
}

function deployment(
  name: string,
  namespace: string,
  selector: Record<string, string>,
  podSpec: object,
): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { ...PART_OF, ...selector } },
    spec: {
      replicas: 1,
      // Never two drivers (or controllers) at once: each driver keeps its own journal, and the harness counts one.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: { metadata: { labels: { ...PART_OF, ...selector } }, spec: podSpec },
    },
  } as KubernetesObject;
}

type Named = KubernetesObject & { roleRef?: { kind: string; name: string } };

// Upstream's ClusterRole names are fixed; a second run (or a second release) on the same cluster must not share them.
function suffixClusterScoped(o: KubernetesObject, runId: string): KubernetesObject {
  const obj = structuredClone(o) as Named;
  if ((obj.kind === 'ClusterRole' || obj.kind === 'ClusterRoleBinding') && obj.metadata?.name)
    obj.metadata.name = `${obj.metadata.name}-${runId}`;
  if (obj.kind === 'ClusterRoleBinding' && obj.roleRef?.kind === 'ClusterRole')
    obj.roleRef.name = `${obj.roleRef.name}-${runId}`;
  obj.metadata = { ...obj.metadata, labels: { ...obj.metadata?.labels, ...PART_OF } };
  return obj;
}
