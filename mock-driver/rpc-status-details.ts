import { fileURLToPath } from 'node:url';
import type { MethodDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from './cosi-protos.ts';

// One rich-error detail a rule can attach; only ErrorInfo is supported, the detail sidecars log.
export interface ErrorInfoDetail {
  type: 'google.rpc.ErrorInfo';
  reason: string;
  domain: string;
  metadata?: Record<string, string>;
}

export interface DecodedRpcStatus {
  code: number;
  message: string;
  details: ErrorInfoDetail[];
}

const TYPE_URL_PREFIX = 'type.googleapis.com/';

interface StatusMessage {
  code: number;
  message: string;
  details: { type_url: string; value: Buffer }[];
}

interface ErrorInfoMessage {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

let codec:
  | {
      status: MethodDefinition<StatusMessage, StatusMessage>;
      errorInfo: MethodDefinition<ErrorInfoMessage, ErrorInfoMessage>;
    }
  | undefined;

// proto-loader exposes serializers only on methods, hence the StatusCodec pseudo-service in the .proto.
function getCodec(): NonNullable<typeof codec> {
  if (codec) return codec;
  const file = fileURLToPath(new URL('../proto/google/rpc/status.proto', import.meta.url));
  const definition = protoLoader.loadSync(file, PROTO_LOADER_OPTIONS);
  const service = definition['google.rpc.StatusCodec'] as unknown as Record<
    string,
    MethodDefinition<never, never>
  >;
  codec = {
    status: service.EncodeStatus as unknown as MethodDefinition<StatusMessage, StatusMessage>,
    errorInfo: service.EncodeErrorInfo as unknown as MethodDefinition<ErrorInfoMessage, ErrorInfoMessage>,
  };
  return codec;
}

// Bytes for the grpc-status-details-bin trailer: a google.rpc.Status whose code and message repeat the call's.
export function encodeRpcStatus(code: number, message: string, details: ErrorInfoDetail[]): Buffer {
  const { status, errorInfo } = getCodec();
  return status.requestSerialize({
    code,
    message,
    details: details.map((detail) => ({
      type_url: TYPE_URL_PREFIX + detail.type,
      value: errorInfo.requestSerialize({
        reason: detail.reason,
        domain: detail.domain,
        metadata: detail.metadata ?? {},
      }),
    })),
  });
}

// For clients (tests, the harness) reading what the driver sent; unknown detail types are skipped.
export function decodeRpcStatus(bytes: Buffer): DecodedRpcStatus {
  const { status, errorInfo } = getCodec();
  const decoded = status.responseDeserialize(bytes);
  const details: ErrorInfoDetail[] = [];
  for (const any of decoded.details) {
    if (any.type_url !== `${TYPE_URL_PREFIX}google.rpc.ErrorInfo`) continue;
    const info = errorInfo.responseDeserialize(Buffer.from(any.value));
    details.push({
      type: 'google.rpc.ErrorInfo',
      reason: info.reason,
      domain: info.domain,
      metadata: info.metadata,
    });
  }
  return { code: decoded.code, message: decoded.message, details };
}
