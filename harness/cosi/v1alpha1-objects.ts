import { COSI_GROUP, type CosiObjects } from './cosi-objects.ts';

const API_VERSION = `${COSI_GROUP}/v1alpha1`;

/** v1alpha1 (the v0.1 modules and monorepo v0.2.x): class fields at the top level, bucketReady / accessGranted. */
export const V1ALPHA1_OBJECTS: CosiObjects = {
  version: 'v1alpha1',
  bucketClass: (r) =>
    ({
      apiVersion: API_VERSION,
      kind: 'BucketClass',
      metadata: { name: r.name },
      driverName: r.driverName,
      deletionPolicy: r.deletionPolicy,
      parameters: r.parameters,
    }) as never,
  bucketClaim: (r) => ({
    apiVersion: API_VERSION,
    kind: 'BucketClaim',
    metadata: { name: r.name, namespace: r.namespace },
    spec: { bucketClassName: r.className, protocols: r.protocols },
  }),
  bucketAccessClass: (r) =>
    ({
      apiVersion: API_VERSION,
      kind: 'BucketAccessClass',
      metadata: { name: r.name },
      driverName: r.driverName,
      authenticationType: 'Key',
      parameters: r.parameters,
    }) as never,
  bucketAccess: (r) => ({
    apiVersion: API_VERSION,
    kind: 'BucketAccess',
    metadata: { name: r.name, namespace: r.namespace },
    spec: {
      bucketClaimName: r.claimName,
      bucketAccessClassName: r.className,
      credentialsSecretName: `${r.name}-creds`,
      protocol: 'S3',
    },
  }),
  claimReady: (item) => item.status?.bucketReady === true,
  claimProtected: (item) =>
    (item.metadata.finalizers ?? []).includes('cosi.objectstorage.k8s.io/bucketclaim-protection'),
  accessGranted: (item) => item.status?.accessGranted === true,
  bucketReady: (item) => item.status?.bucketReady === true && typeof item.status.bucketID === 'string',
  boundBucketName: (status) => (typeof status.bucketName === 'string' ? status.bucketName : undefined),
};
