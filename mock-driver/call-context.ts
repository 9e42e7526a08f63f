import type { CosiEra } from './cosi-protos.ts';

// The journal's names for the COSI RPCs, shared by both eras (getExisting exists only in v1alpha2).
export const RPC_NAMES = ['getInfo', 'create', 'getExisting', 'delete', 'grant', 'revoke'] as const;
export type RpcName = (typeof RPC_NAMES)[number];

// What rules match on: one incoming call, with delete/grant/revoke already attributed to the create that made
// the bucket (bucketName and parameters resolved from the bucket id).
export interface CallContext {
  era: CosiEra;
  rpc: RpcName;
  bucketName?: string;
  bucketId?: string;
  parameters: Record<string, string>;
  // 1-based count of calls for this (bucket key, rpc), this call included.
  callNumber: number;
}

// The key callNumber counts under: the bucket name when known, else the bucket id, else '' (getInfo).
export function bucketKey(call: Pick<CallContext, 'bucketName' | 'bucketId'>): string {
  return call.bucketName ?? call.bucketId ?? '';
}
