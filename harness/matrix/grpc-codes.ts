import { GRPC_CODE_NAMES, type GrpcCodeName } from '../../mock-driver/index.ts';

export type NonOkCode = Exclude<GrpcCodeName, 'OK'>;

/** The 16 non-OK gRPC codes, Go-style names, in numeric order (the mock driver's list without OK). */
export const NON_OK_CODES: readonly NonOkCode[] = GRPC_CODE_NAMES.filter((c): c is NonOkCode => c !== 'OK');

/** RPCs of the matrix. */
export const MATRIX_RPCS = ['create', 'delete', 'grant', 'revoke'] as const;
export type MatrixRpc = (typeof MATRIX_RPCS)[number];
