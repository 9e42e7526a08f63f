import type { status } from '@grpc/grpc-js';

// Go-style gRPC code names (codes.Code.String()), the spelling rule files and the journal use.
export const GRPC_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;

export type GrpcCodeName = (typeof GRPC_CODE_NAMES)[number];

// Journal codes for calls that never produced a status the client could see.
export type NoStatusCode = 'Dropped' | 'Crashed';

export type JournalCode = GrpcCodeName | NoStatusCode;

// Index in GRPC_CODE_NAMES is the wire number (0..16), so the mapping cannot drift from @grpc/grpc-js.
export function grpcCodeNumber(name: GrpcCodeName): status {
  return GRPC_CODE_NAMES.indexOf(name) as status;
}

// Unknown numbers map to 'Unknown', the same thing grpc-go does with codes outside 0..16.
export function grpcCodeName(code: number): GrpcCodeName {
  return GRPC_CODE_NAMES[code] ?? 'Unknown';
}

export function isGrpcCodeName(value: string): value is GrpcCodeName {
  return (GRPC_CODE_NAMES as readonly string[]).includes(value);
}
