import {
  type ClientHttp2Session,
  connect as http2Connect,
  constants as http2Constants,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
} from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { type Deadline, Metadata } from '@grpc/grpc-js';
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

// Largest response accepted from the driver: grpc-js's and grpc-go's default receive limit.
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const USER_AGENT = 'cosi-chaos-interposer';

// A real COSI driver the interposer forwards calls to, over one HTTP/2 connection (like the sidecar's own channel),
// redialled when it is lost. Calls go out as gRPC unary requests on node:http2 directly, not through a grpc-js
// Client: its call stack (resolver, load balancing, retry and filter layers) cost 0.16-0.28 ms per call here (bench),
// a quarter of the interposer's 1 ms budget. What it would do for a unary call is done here: the deadline sent as
// grpc-timeout and enforced locally, cancellation as RST_STREAM, the status and trailers read back, transport
// failures mapped as grpc-js maps them (a dead driver is Unavailable). Request and response bytes pass through
// undecoded, so fields our protos lack still reach the driver and the sidecar.
export class UpstreamDriver {
  private session: ClientHttp2Session | undefined;
  private readonly dial: () => Socket;

  constructor(readonly address: string) {
    this.dial = socketDialer(address);
  }

  forward(call: ForwardedCall, onCancel: (cancel: () => void) => void): Promise<UpstreamAnswer> {
    const startedMs = performance.now();
    const elapsed = () => Math.round((performance.now() - startedMs) * 1000) / 1000;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (answer: UpstreamAnswer) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(answer);
      };
      const fail = (code: GrpcCodeName, message: string) =>
        settle({ kind: 'error', code, message, metadata: new Metadata(), latencyMs: elapsed() });

      const timeoutMs = deadlineMs(call.deadline) - Date.now();
      if (timeoutMs <= 0) {
        fail('DeadlineExceeded', 'Deadline exceeded before the call was forwarded');
        return;
      }
      const headers = {
        ...forwardableMetadata(call.metadata).toHttp2Headers(),
        [http2Constants.HTTP2_HEADER_METHOD]: 'POST',
        [http2Constants.HTTP2_HEADER_PATH]: call.path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-accept-encoding': 'identity',
        'user-agent': USER_AGENT,
        ...(Number.isFinite(timeoutMs) ? { 'grpc-timeout': grpcTimeout(timeoutMs) } : {}),
      };
      let stream: ReturnType<ClientHttp2Session['request']>;
      try {
        stream = this.currentSession().request(headers);
      } catch (error) {
        this.session = undefined;
        fail('Unavailable', `cannot reach the driver at ${this.address}: ${(error as Error).message}`);
        return;
      }
      const abandon = (code: GrpcCodeName, message: string) => {
        stream.close(http2Constants.NGHTTP2_CANCEL);
        fail(code, message);
      };
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => abandon('DeadlineExceeded', 'Deadline exceeded'), timeoutMs);
      }
      onCancel(() => abandon('Canceled', 'Cancelled by the interposer (its caller went away)'));

      let responseHeaders: (IncomingHttpHeaders & IncomingHttpStatusHeader) | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      let streamError: Error | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      stream.on('response', (incoming) => {
        responseHeaders = incoming;
      });
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES + 5) {
          abandon('ResourceExhausted', `the driver's response is over ${MAX_RESPONSE_BYTES} bytes`);
        }
      });
      stream.on('trailers', (incoming) => {
        trailers = incoming;
      });
      stream.on('error', (error) => {
        streamError = error;
      });
      stream.on('close', () =>
        settle(
          answerOf({ responseHeaders, trailers, chunks, rstCode: stream.rstCode, streamError }, elapsed()),
        ),
      );
      stream.end(lengthPrefixed(call.bytes));
    });
  }

  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }

  private currentSession(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2Connect('http://localhost', { createConnection: () => this.dial() });
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // A failed or lost connection fails the streams on it (each sees the error); the next call dials again.
    session.on('error', forget);
    session.once('close', forget);
    // The driver is shutting down gracefully: calls in flight finish, new ones go on a new connection.
    session.once('goaway', forget);
    this.session = session;
    return session;
  }
}

interface StreamEnd {
  responseHeaders: (IncomingHttpHeaders & IncomingHttpStatusHeader) | undefined;
  trailers: IncomingHttpHeaders | undefined;
  chunks: Buffer[];
  rstCode: number | undefined;
  streamError: Error | undefined;
}

// The gRPC status of a finished stream: from its trailers (or a trailers-only response), else from how it broke.
function answerOf(end: StreamEnd, latencyMs: number): UpstreamAnswer {
  const statusHeaders =
    end.trailers ?? (end.responseHeaders?.['grpc-status'] !== undefined ? end.responseHeaders : undefined);
  const error = (code: GrpcCodeName, message: string, metadata = new Metadata()): UpstreamAnswer => ({
    kind: 'error',
    code,
    message,
    metadata,
    latencyMs,
  });
  if (!statusHeaders) {
    const httpStatus = end.responseHeaders?.[':status'];
    if (httpStatus !== undefined && httpStatus !== 200) {
      return error(codeForHttpStatus(httpStatus), `the driver answered HTTP ${httpStatus} instead of gRPC`);
    }
    if (end.streamError) return error('Unavailable', `the driver is unreachable: ${end.streamError.message}`);
    if (end.rstCode !== undefined && end.rstCode !== http2Constants.NGHTTP2_NO_ERROR) {
      return error(
        codeForRstStream(end.rstCode),
        `the driver reset the stream (RST_STREAM code ${end.rstCode})`,
      );
    }
    return error('Unavailable', 'the connection to the driver closed before it answered');
  }
  const code = grpcCodeName(Number(statusHeaders['grpc-status']));
  const message = percentDecoded(String(statusHeaders['grpc-message'] ?? ''));
  if (code !== 'OK') {
    const metadata = Metadata.fromHttp2Headers(statusHeaders);
    for (const key of ['grpc-status', 'grpc-message', 'content-type']) metadata.remove(key);
    return error(code, message, metadata);
  }
  const body = Buffer.concat(end.chunks);
  if (body.length < 5) return error('Internal', 'the driver answered OK without a response message');
  if (body[0] !== 0) {
    return error(
      'Internal',
      'the driver compressed its response though the interposer accepts identity only',
    );
  }
  if (body.readUInt32BE(1) !== body.length - 5) {
    return error(
      'Internal',
      'the driver sent a response whose length prefix does not match, or more than one',
    );
  }
  return { kind: 'response', bytes: body.subarray(5), latencyMs };
}

// gRPC's HTTP-to-status mapping, for a server that did not answer with gRPC at all.
function codeForHttpStatus(status: number): GrpcCodeName {
  switch (status) {
    case 400:
      return 'Internal';
    case 401:
      return 'Unauthenticated';
    case 403:
      return 'PermissionDenied';
    case 404:
      return 'Unimplemented';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'Unavailable';
    default:
      return 'Unknown';
  }
}

// As grpc-js maps an RST_STREAM without a status.
function codeForRstStream(rstCode: number): GrpcCodeName {
  switch (rstCode) {
    case http2Constants.NGHTTP2_REFUSED_STREAM:
      return 'Unavailable';
    case http2Constants.NGHTTP2_CANCEL:
      return 'Canceled';
    case http2Constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return 'ResourceExhausted';
    case http2Constants.NGHTTP2_INADEQUATE_SECURITY:
      return 'PermissionDenied';
    default:
      return 'Internal';
  }
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function lengthPrefixed(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
}

// A grpc-js deadline (Date or epoch ms, Infinity for none) as epoch ms.
export function deadlineMs(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

// grpc-timeout is at most 8 digits and a unit; milliseconds while they fit, coarser after.
function grpcTimeout(ms: number): string {
  for (const [unit, factor] of [
    ['m', 1],
    ['S', 1_000],
    ['M', 60_000],
    ['H', 3_600_000],
  ] as const) {
    const value = Math.ceil(ms / factor);
    if (value < 100_000_000) return `${value}${unit}`;
  }
  return '99999999H';
}

// unix:/path, unix://path or unix:///path (all absolute, as the CLI accepts them), or HOST:PORT / [IPv6]:PORT.
function socketDialer(address: string): () => Socket {
  const unix = /^unix:\/{0,2}(\/.+)$/.exec(address);
  if (unix) {
    const path = unix[1] as string;
    return () => netConnect(path);
  }
  const tcp = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!tcp) throw new Error(`upstream ${address}: expected unix:///path/to/driver.sock or HOST:PORT`);
  const host = (tcp[1] ?? tcp[2]) as string;
  const port = Number(tcp[3]);
  return () => netConnect({ host, port });
}

// Headers that belong to one HTTP/2 hop (set above for the driver's hop) stay out; the sidecar's metadata goes on.
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
  for (const key of Object.keys(incoming.getMap())) {
    if (HOP_HEADERS.has(key) || key.startsWith(':')) continue;
    for (const value of incoming.get(key)) outgoing.add(key, value);
  }
  return outgoing;
}
