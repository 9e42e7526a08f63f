import { Client, credentials, type Deadline, Metadata, type ServiceError } from '@grpc/grpc-js';
import { type GrpcCodeName, grpcCodeName } from './grpc-code-names.ts';

// What the real driver answered for one forwarded call: its response bytes as sent, or its status as sent.
export type UpstreamAnswer =
  | { kind: 'response'; bytes: Buffer; latencyMs: number }
  | { kind: 'error'; code: GrpcCodeName; message: string; metadata: Metadata; latencyMs: number };

// One call as the sidecar sent it: the method path, the request bytes untouched, its metadata and deadline.
export interface ForwardedCall {
  path: string;
  bytes: Buffer;
  metadata: Metadata;
  deadline: Deadline;
}

// A real COSI driver the interposer forwards calls to. The request and response bytes pass through undecoded,
// so fields our protos lack still reach the driver and the sidecar.
export class UpstreamDriver {
  private readonly client: Client;

  constructor(readonly address: string) {
    // One channel for every call, like the sidecar's own: a dead driver then fails calls fast with Unavailable.
    // Retries off (grpc-js otherwise retries transparently and keeps each message for it; the interposer must pass on
    // what the driver answered, not retry it; its retry layer stays, with one attempt) and no channelz bookkeeping.
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
    });
  }

  forward(call: ForwardedCall, onCancel: (cancel: () => void) => void): Promise<UpstreamAnswer> {
    const startedMs = performance.now();
    const elapsed = () => Math.round((performance.now() - startedMs) * 1000) / 1000;
    return new Promise((resolve) => {
      const pending = this.client.makeUnaryRequest(
        call.path,
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        call.bytes,
        forwardableMetadata(call.metadata),
        { deadline: call.deadline },
        (error: ServiceError | null, bytes?: Buffer) => {
          if (error) {
            resolve({
              kind: 'error',
              code: grpcCodeName(error.code),
              message: error.details,
              metadata: error.metadata ?? new Metadata(),
              latencyMs: elapsed(),
            });
          } else resolve({ kind: 'response', bytes: bytes ?? Buffer.alloc(0), latencyMs: elapsed() });
        },
      );
      onCancel(() => pending.cancel());
    });
  }

  close(): void {
    this.client.close();
  }
}

// Headers grpc-js sets itself per hop (and would reject or duplicate) stay out; everything the sidecar set goes on.
const HOP_HEADERS = new Set([
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'user-agent',
  'content-type',
  'te',
]);

function forwardableMetadata(incoming: Metadata): Metadata {
  const outgoing = new Metadata();
  for (const [key, values] of Object.entries(incoming.getMap())) {
    if (HOP_HEADERS.has(key) || key.startsWith(':')) continue;
    for (const value of incoming.get(key)) outgoing.add(key, value);
    void values;
  }
  return outgoing;
}
