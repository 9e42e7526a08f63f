import { COSI_GROUP, type CosiObjects } from './cosi-objects.ts';

const API_VERSION = `${COSI_GROUP}/v1alpha2`;

/**
 * v1alpha2 (monorepo main): class fields under spec, readiness as status.readyToUse, errors as status.error.
 * A BucketAccess lists the claims it reaches, each with its access mode and the Secret to write.
 */
export const V1ALPHA2_OBJECTS: CosiObjects = {
  version: 'v1alpha2',
  bucketClass: (r) => ({
    apiVersion: API_VERSION,
    kind: 'BucketClass',
    metadata: { name: r.name },
    spec: { driverName: r.driverName, deletionPolicy: r.deletionPolicy, parameters: r.parameters },
  }),
  bucketClaim: (r) => ({
    apiVersion: API_VERSION,
    kind: 'BucketClaim',
    metadata: { name: r.name, namespace: r.namespace },
    spec: { bucketClassName: r.className, protocols: r.protocols },
  }),
  bucketAccessClass: (r) => ({
    apiVersion: API_VERSION,
    kind: 'BucketAccessClass',
    metadata: { name: r.name },
    spec: { driverName: r.driverName, authenticationType: 'Key', parameters: r.parameters },
  }),
  bucketAccess: (r) => ({
    apiVersion: API_VERSION,
    kind: 'BucketAccess',
    metadata: { name: r.name, namespace: r.namespace },
    spec: {
      bucketClaims: [
        { bucketClaimName: r.claimName, accessMode: 'ReadWrite', accessSecretName: `${r.name}-creds` },
      ],
      bucketAccessClassName: r.className,
      protocol: 'S3',
    },
  }),
  claimReady: (item) => item.status?.readyToUse === true,
  claimProtected: (item) => (item.metadata.finalizers ?? []).includes('objectstorage.k8s.io/protection'),
  accessGranted: (item) => item.status?.readyToUse === true,
  bucketReady: (item) => item.status?.readyToUse === true,
  boundBucketName: (status) =>
    typeof status.boundBucketName === 'string' ? status.boundBucketName : undefined,
};
