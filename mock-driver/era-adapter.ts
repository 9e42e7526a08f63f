import type { RpcName } from './call-context.ts';
import type { RequestedAccess } from './call-journal.ts';
import type { CosiEra } from './cosi-protos.ts';
import type { BackendRequest, BackendResult, BucketIdentity } from './object-store-backend.ts';

// A call as the driver core sees it, before call numbering and rule matching.
export interface DescribedCall {
  bucketName?: string;
  bucketId?: string;
  // For delete/grant/revoke: the create's parameters with the request's own on top.
  parameters: Record<string, string>;
  // v1alpha2 grants: the access mode each bucket asks for, journaled with the call.
  accessModes?: RequestedAccess[];
  backend: BackendRequest;
}

export type SuccessfulResult = Extract<BackendResult, { ok: true }>;

// How one gRPC method of one era maps to the era-neutral core and back.
export interface EraMethod {
  rpc: RpcName;
  service: 'identity' | 'provisioner';
  describe(request: never, identify: (bucketId: string) => BucketIdentity | undefined): DescribedCall;
  respond(result: SuccessfulResult, request: never, driverName: string): object;
}

// Every gRPC method of one era, keyed by its proto method name (DriverCreateBucket, ...).
export interface EraAdapter {
  era: CosiEra;
  methods: Record<string, EraMethod>;
}

// Resolved attribution for calls that only carry a bucket id.
export function attribute(
  bucketId: string | undefined,
  own: Record<string, string> | undefined,
  identify: (bucketId: string) => BucketIdentity | undefined,
): Pick<DescribedCall, 'bucketName' | 'bucketId' | 'parameters'> {
  const identity = bucketId === undefined ? undefined : identify(bucketId);
  return {
    ...(identity ? { bucketName: identity.bucketName } : {}),
    ...(bucketId !== undefined ? { bucketId } : {}),
    parameters: { ...(identity?.parameters ?? {}), ...(own ?? {}) },
  };
}
