import { attribute, type EraAdapter, type SuccessfulResult } from './era-adapter.ts';

// Fake endpoint details; `.invalid` so nothing ever resolves them by accident.
export const FAKE_S3_REGION = 'us-east-1';

type Params = Record<string, string>;

interface CreateRequest {
  name: string;
  parameters: Params;
}
interface DeleteRequest {
  bucket_id: string;
  delete_context: Params;
}
interface GrantRequest {
  bucket_id: string;
  name: string;
  parameters: Params;
}
interface RevokeRequest {
  bucket_id: string;
  account_id: string;
  revoke_access_context: Params;
}

// v1alpha1 (cosi.v1alpha1): buckets are S3 unless a rule says otherwise; credentials keyed by protocol name.
export const v1alpha1Adapter: EraAdapter = {
  era: 'v1alpha1',
  methods: {
    DriverGetInfo: {
      rpc: 'getInfo',
      service: 'identity',
      describe: () => ({ parameters: {}, backend: { rpc: 'getInfo' } }),
      respond: (_result: SuccessfulResult, _request: object, driverName: string) => ({ name: driverName }),
    },
    DriverCreateBucket: {
      rpc: 'create',
      service: 'provisioner',
      describe: (request: CreateRequest) => ({
        bucketName: request.name,
        parameters: { ...request.parameters },
        backend: { rpc: 'create', name: request.name, parameters: { ...request.parameters } },
      }),
      respond: (result: SuccessfulResult) => ({
        bucket_id: result.bucketId,
        bucket_info: { s3: { region: FAKE_S3_REGION, signature_version: 'S3V4' } },
      }),
    },
    DriverDeleteBucket: {
      rpc: 'delete',
      service: 'provisioner',
      describe: (request: DeleteRequest, identify) => ({
        ...attribute(request.bucket_id, request.delete_context, identify),
        backend: { rpc: 'delete', bucketId: request.bucket_id },
      }),
      respond: () => ({}),
    },
    DriverGrantBucketAccess: {
      rpc: 'grant',
      service: 'provisioner',
      describe: (request: GrantRequest, identify) => ({
        ...attribute(request.bucket_id, request.parameters, identify),
        backend: { rpc: 'grant', bucketIds: [request.bucket_id], accountName: request.name },
      }),
      respond: (result: SuccessfulResult) => ({
        account_id: result.accountId,
        credentials: {
          s3: {
            secrets: {
              accessKeyID: result.credentials?.accessKeyId ?? '',
              accessSecretKey: result.credentials?.secretAccessKey ?? '',
            },
          },
        },
      }),
    },
    DriverRevokeBucketAccess: {
      rpc: 'revoke',
      service: 'provisioner',
      describe: (request: RevokeRequest, identify) => ({
        ...attribute(request.bucket_id, request.revoke_access_context, identify),
        backend: { rpc: 'revoke', bucketIds: [request.bucket_id], accountId: request.account_id },
      }),
      respond: () => ({}),
    },
  },
};
