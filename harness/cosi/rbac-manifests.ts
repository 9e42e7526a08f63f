import type { KubernetesObject } from '@kubernetes/client-node';

const PART_OF = { 'app.kubernetes.io/part-of': 'cosi-chaos' };

/**
 * RBAC for a sidecar of either era, written from what its code calls (no sidecar module ships an RBAC manifest;
 * v1alpha2's kubebuilder markers are the source for its part): Buckets and BucketAccesses (watch, update, status,
 * finalizers), BucketClaims (get, update), the classes (get), Secrets (credentials), Events, and its
 * leader-election Lease in its own namespace.
 */
export function sidecarRbac(name: string, namespace: string): KubernetesObject[] {
  const clusterRules = [
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['buckets', 'bucketaccesses'],
      verbs: ['get', 'list', 'watch', 'update', 'patch'],
    },
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['buckets/status', 'bucketaccesses/status'],
      verbs: ['update', 'patch'],
    },
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['buckets/finalizers', 'bucketaccesses/finalizers'],
      verbs: ['update'],
    },
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['bucketclaims', 'bucketaccessclasses', 'bucketclasses'],
      verbs: ['get', 'list', 'watch', 'update'],
    },
    { apiGroups: ['objectstorage.k8s.io'], resources: ['bucketclaims/status'], verbs: ['update'] },
    {
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
    },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
  ];
  return serviceAccountWithRoles(name, namespace, clusterRules);
}

/**
 * RBAC for the v0.1 controller's BucketClaim provisioning (after upstream's controller ClusterRole: buckets
 * create/update, classes get/list, claims watch/update + status, events).
 */
export function controllerRbac(name: string, namespace: string): KubernetesObject[] {
  const clusterRules = [
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['bucketclaims', 'bucketaccesses'],
      verbs: ['get', 'list', 'watch', 'update'],
    },
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['bucketclaims/status', 'bucketaccesses/status'],
      verbs: ['update'],
    },
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['buckets'],
      verbs: ['get', 'list', 'watch', 'update', 'create', 'delete'],
    },
    {
      apiGroups: ['objectstorage.k8s.io'],
      resources: ['bucketclasses', 'bucketaccessclasses'],
      verbs: ['get', 'list'],
    },
    { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'update', 'patch'] },
  ];
  return serviceAccountWithRoles(name, namespace, clusterRules);
}

function serviceAccountWithRoles(
  name: string,
  namespace: string,
  clusterRules: object[],
): KubernetesObject[] {
  const sa = { kind: 'ServiceAccount', name, namespace };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels: PART_OF } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: PART_OF },
      rules: clusterRules,
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: PART_OF },
      subjects: [sa],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace, labels: PART_OF },
      rules: [
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'watch', 'list', 'delete', 'update', 'create'],
        },
      ],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace, labels: PART_OF },
      subjects: [sa],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    } as KubernetesObject,
  ];
}
