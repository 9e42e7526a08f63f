/** The 16 non-OK gRPC codes, Go-style names, in numeric order. */
export const NON_OK_CODES = [
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

export type NonOkCode = (typeof NON_OK_CODES)[number];

/** RPCs of the matrix. */
export const MATRIX_RPCS = ['create', 'delete', 'grant', 'revoke'] as const;
export type MatrixRpc = (typeof MATRIX_RPCS)[number];
