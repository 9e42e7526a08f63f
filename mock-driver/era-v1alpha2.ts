import type { RequestedAccess } from './call-journal.ts';
import { attribute, type EraAdapter, type SuccessfulResult } from './era-adapter.ts';
import type { FakeCredentials } from './object-store-backend.ts';

type Params = Record<string, string>;
type ProtocolType = 'UNKNOWN' | 'S3' | 'AZURE' | 'GCS';
// AccessMode.Mode by name; protobufjs hands over the number for a value the proto does not declare.
type AccessModeValue = 'UNKNOWN' | 'READ_WRITE' | 'READ_ONLY' | 'WRITE_ONLY' | number;

// Every protocol the mock serves; DriverGetInfo advertises them and creates without a list get all of them.
export const V1ALPHA2_PROTOCOLS: ProtocolType[] = ['S3', 'AZURE', 'GCS'];

interface CreateRequest {
  name: string;
  protocols: { type: ProtocolType }[];
  parameters: Params;
}
interface GetExistingRequest {
  existing_bucket_id: string;
  protocols: { type: ProtocolType }[];
  parameters: Params;
}
interface DeleteRequest {
  bucket_id: string;
  parameters: Params;
}
interface GrantRequest {
  account_name: string;
  protocol: { type: ProtocolType } | null;
  parameters: Params;
  buckets: { bucket_id: string; access_mode: { mode: AccessModeValue } | null }[];
}
interface RevokeRequest {
  account_id: string;
  parameters: Params;
  buckets: { bucket_id: string }[];
}

// An absent access_mode reads as UNKNOWN, the enum's zero value (the sidecar always sends one).
function requestedAccess(buckets: GrantRequest['buckets']): RequestedAccess[] {
  return buckets.map((bucket) => ({
    bucketId: bucket.bucket_id,
    accessMode: String(bucket.access_mode?.mode ?? 'UNKNOWN'),
  }));
}

function bucketInfo(bucketId: string, protocols: ProtocolType[]): Record<string, object> {
  const wanted = protocols.filter((type) => type !== 'UNKNOWN');
  const list = wanted.length > 0 ? wanted : V1ALPHA2_PROTOCOLS;
  const info: Record<string, object> = {};
  if (list.includes('S3')) {
    info.s3 = {
      bucket_id: bucketId,
      endpoint: 'https://s3.mock.cosi-chaos.invalid',
      region: 'us-east-1',
      addressing_style: { style: 'PATH' },
    };
  }
  if (list.includes('AZURE')) info.azure = { storage_account: 'cosichaosmock' };
  if (list.includes('GCS')) info.gcs = { project_id: 'cosi-chaos-mock', bucket_name: bucketId };
  return info;
}

function credentialInfo(
  protocol: ProtocolType,
  credentials: FakeCredentials | undefined,
): Record<string, object> {
  const id = credentials?.accessKeyId ?? '';
  const secret = credentials?.secretAccessKey ?? '';
  if (protocol === 'AZURE') return { azure: { access_token: `sv=mock&sig=${secret}`, expiry_timestamp: '' } };
  if (protocol === 'GCS') {
    return {
      gcs: {
        access_id: id,
        access_secret: secret,
        private_key_name: 'cosi-chaos-key',
        service_account: 'cosi-chaos@mock.invalid',
      },
    };
  }
  return { s3: { access_key_id: id, access_secret_key: secret } };
}

// v1alpha2 (sigs.k8s.io.cosi.v1alpha2): grant/revoke name buckets in a list; the first one attributes the call, and
// a grant journals every bucket's requested access mode.
export const v1alpha2Adapter: EraAdapter = {
  era: 'v1alpha2',
  methods: {
    DriverGetInfo: {
      rpc: 'getInfo',
      service: 'identity',
      describe: () => ({ parameters: {}, backend: { rpc: 'getInfo' } }),
      respond: (_result: SuccessfulResult, _request: object, driverName: string) => ({
        name: driverName,
        supported_protocols: V1ALPHA2_PROTOCOLS.map((type) => ({ type })),
      }),
    },
    DriverCreateBucket: {
      rpc: 'create',
      service: 'provisioner',
      describe: (request: CreateRequest) => ({
        bucketName: request.name,
        parameters: { ...request.parameters },
        backend: { rpc: 'create', name: request.name, parameters: { ...request.parameters } },
      }),
      respond: (result: SuccessfulResult, request: CreateRequest) => ({
        bucket_id: result.bucketId,
        protocols: bucketInfo(
          result.bucketId ?? '',
          request.protocols.map((p) => p.type),
        ),
      }),
    },
    DriverGetExistingBucket: {
      rpc: 'getExisting',
      service: 'provisioner',
      describe: (request: GetExistingRequest, identify) => ({
        ...attribute(request.existing_bucket_id, request.parameters, identify),
        backend: { rpc: 'getExisting', bucketId: request.existing_bucket_id },
      }),
      respond: (result: SuccessfulResult, request: GetExistingRequest) => ({
        bucket_id: result.bucketId,
        protocols: bucketInfo(
          result.bucketId ?? '',
          request.protocols.map((p) => p.type),
        ),
      }),
    },
    DriverDeleteBucket: {
      rpc: 'delete',
      service: 'provisioner',
      describe: (request: DeleteRequest, identify) => ({
        ...attribute(request.bucket_id, request.parameters, identify),
        backend: { rpc: 'delete', bucketId: request.bucket_id },
      }),
      respond: () => ({}),
    },
    DriverGrantBucketAccess: {
      rpc: 'grant',
      service: 'provisioner',
      describe: (request: GrantRequest, identify) => ({
        ...attribute(request.buckets[0]?.bucket_id, request.parameters, identify),
        accessModes: requestedAccess(request.buckets),
        backend: {
          rpc: 'grant',
          bucketIds: request.buckets.map((bucket) => bucket.bucket_id),
          accountName: request.account_name,
        },
      }),
      respond: (result: SuccessfulResult, request: GrantRequest) => {
        const protocol = request.protocol?.type ?? 'S3';
        return {
          account_id: result.accountId,
          buckets: request.buckets.map((bucket) => ({
            bucket_id: bucket.bucket_id,
            bucket_info: bucketInfo(bucket.bucket_id, [protocol === 'UNKNOWN' ? 'S3' : protocol]),
          })),
          credentials: credentialInfo(protocol, result.credentials),
        };
      },
    },
    DriverRevokeBucketAccess: {
      rpc: 'revoke',
      service: 'provisioner',
      describe: (request: RevokeRequest, identify) => ({
        ...attribute(request.buckets[0]?.bucket_id, request.parameters, identify),
        backend: {
          rpc: 'revoke',
          bucketIds: request.buckets.map((bucket) => bucket.bucket_id),
          accountId: request.account_id,
        },
      }),
      respond: () => ({}),
    },
  },
};
