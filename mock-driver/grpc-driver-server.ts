import { existsSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import {
  type Deadline,
  getChannelzHandlers,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { RpcName } from './call-context.ts';
import type { CallDispatcher, CallTransport } from './call-dispatcher.ts';
import { type CosiEra, loadCosiRequestTypes, loadCosiServices } from './cosi-protos.ts';
import { type EarlyEnd, earlyStatusInterceptor } from './early-status-interceptor.ts';
import type { EraAdapter } from './era-adapter.ts';
import { type GrpcCodeName, grpcCodeName, grpcCodeNumber } from './grpc-code-names.ts';
import { type ErrorInfoDetail, encodeRpcStatus } from './rpc-status-details.ts';
import { decodeRequestStrictly, RequestDecodeError } from './strict-request-decoder.ts';
import { deadlineMs } from './upstream-driver.ts';

// Largest request message accepted; larger ones get ResourceExhausted from grpc-js, journaled through
// earlyStatusInterceptor. The value is grpc-js's (and grpc-go's) default, set here so it is named in one place.
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

// Infrastructure failure starting the gRPC listener (socket in use, bad address); says which and what to do.
export class DriverListenError extends Error {
  constructor(
    readonly address: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DriverListenError';
  }
}

export interface GrpcDriverServer {
  // Bound TCP port when a TCP address was given (resolves port 0).
  tcpPort?: number;
  // Calls grpc-js accepted on this server so far, unknown methods included (its channelz call counter).
  callsStarted(): number;
  // Cancels calls still open (their journal entries say Canceled), then closes the listeners.
  stop(): Promise<void>;
  // Closes every connection at once without answering anything: the in-process stand-in for a crash.
  kill(): void;
}

// Serves every era's Identity and Provisioner on one gRPC server (method paths differ by package).
export async function startGrpcDriverServer(
  dispatcher: CallDispatcher,
  adapters: EraAdapter[],
  socketPath: string,
  tcpAddress?: string,
): Promise<GrpcDriverServer> {
  const routes = new Map<string, { era: CosiEra; rpc: RpcName }>();
  const server = new Server({
    'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
    interceptors: [earlyStatusInterceptor((end) => journalEarlyEnd(dispatcher, routes, end))],
  });
  for (const adapter of adapters) {
    const services = loadCosiServices(adapter.era);
    const requestTypes = loadCosiRequestTypes(adapter.era);
    const implementations: Record<'identity' | 'provisioner', UntypedServiceImplementation> = {
      identity: {},
      provisioner: {},
    };
    for (const [methodName, method] of Object.entries(adapter.methods)) {
      const requestType = requestTypes[methodName];
      if (!requestType) throw new Error(`${adapter.era} proto has no method ${methodName}`);
      routes.set(String(services[method.service][methodName]?.path), { era: adapter.era, rpc: method.rpc });
      implementations[method.service][methodName] = (
        call: ServerUnaryCall<Buffer, object>,
        callback: sendUnaryData<object>,
      ) => {
        const startedMs = performance.now();
        let request: object;
        try {
          request = decodeRequestStrictly(requestType, call.request);
        } catch (error) {
          const refused =
            error instanceof RequestDecodeError
              ? { code: 'InvalidArgument' as const, message: error.message, decodeError: error.reason }
              : { code: 'Internal' as const, message: `decoding the request failed: ${String(error)}` };
          dispatcher.refuse({
            era: adapter.era,
            rpc: method.rpc,
            ...refused,
            size: call.request.length,
            startedMs,
          });
          sendError(callback, refused.code, refused.message, []);
          return;
        }
        const definition = services[method.service][methodName];
        const transport = transportFor(call, definition);
        dispatcher.dispatch(adapter, methodName, request, transport).then(
          (outcome) => {
            if (outcome.kind === 'response') callback(null, outcome.response);
            else if (outcome.kind === 'raw') callback(null, outcome.bytes);
            else if (outcome.kind === 'error')
              sendError(callback, outcome.code, outcome.message, outcome.details, outcome.metadata);
          },
          (error: unknown) => sendError(callback, 'Internal', String(error), []),
        );
      };
    }
    server.addService(rawRequests(services.identity), implementations.identity);
    server.addService(rawRequests(services.provisioner), implementations.provisioner);
  }

  await removeStaleSocket(socketPath);
  await bind(server, `unix:${socketPath}`);
  let tcpPort: number | undefined;
  if (tcpAddress) tcpPort = await bind(server, tcpAddress);

  return {
    ...(tcpPort !== undefined ? { tcpPort } : {}),
    callsStarted: () => channelzCallsStarted(server),
    // forceShutdown cancels open calls, so hanging calls are journaled as Canceled instead of blocking stop.
    stop: async () => server.forceShutdown(),
    kill: () => server.forceShutdown(),
  };
}

// Handlers get the request bytes as sent: decoding them ourselves (strictly) lets a bad request be answered
// InvalidArgument and journaled, where grpc-js would answer Internal on its own. A response that is already bytes
// (a real driver's, in interposer mode) goes out as it came.
function rawRequests(service: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, definition]) => [
      name,
      {
        ...definition,
        requestDeserialize: (bytes: Buffer) => bytes,
        responseSerialize: (value: object) =>
          Buffer.isBuffer(value) ? value : definition.responseSerialize(value),
      },
    ]),
  ) as ServiceDefinition;
}

function sendError(
  callback: sendUnaryData<object>,
  name: GrpcCodeName,
  message: string,
  details: ErrorInfoDetail[],
  // A real driver's trailers (its own status details among them), passed on instead of ours.
  passedOn?: Metadata,
): void {
  const metadata = passedOn ?? new Metadata();
  const code = grpcCodeNumber(name);
  if (!passedOn) metadata.set('grpc-status-details-bin', encodeRpcStatus(code, message, details));
  callback({ code, details: message, metadata });
}

// grpc-js's wording for an over-long message, "Received message larger than max (N vs M)": N is the size.
const OVERSIZE_DETAILS = /larger than max \((\d+) vs/;

function journalEarlyEnd(
  dispatcher: CallDispatcher,
  routes: Map<string, { era: CosiEra; rpc: RpcName }>,
  end: EarlyEnd,
): void {
  const route = routes.get(end.path);
  if (!route) return;
  if (end.kind === 'cancelled') {
    const code = deadlinePassed(end.deadline) ? 'DeadlineExceeded' : 'Canceled';
    const message = `${code === 'Canceled' ? 'cancelled (by the client or a closed connection)' : 'client deadline passed'} before the request arrived`;
    dispatcher.refuse({ ...route, code, message, startedMs: end.startedMs });
    return;
  }
  const size = OVERSIZE_DETAILS.exec(end.details)?.[1];
  dispatcher.refuse({
    ...route,
    code: grpcCodeName(end.code),
    message: end.details || 'answered by grpc-js before the request was read',
    ...(size !== undefined ? { size: Number(size) } : {}),
    startedMs: end.startedMs,
  });
}

// grpc-js answers a path no service registered (Unimplemented) before any of our code or interceptors run, so such a
// call can reach neither the journal nor our metrics; its channelz call counter, kept per server, still counts it.
// Read through the channelz service's own handler (public API), which answers synchronously.
function channelzCallsStarted(server: Server): number {
  let started = 0;
  const getServer = getChannelzHandlers().GetServer as unknown as (
    call: { request: { server_id: string } },
    callback: (error: unknown, value?: { server?: { data?: { calls_started?: number | string } } }) => void,
  ) => void;
  getServer({ request: { server_id: String(server.getChannelzRef().id) } }, (error, value) => {
    if (!error) started = Number(value?.server?.data?.calls_started ?? 0);
  });
  return started;
}

function transportFor(
  call: ServerUnaryCall<Buffer, object>,
  definition: ServiceDefinition[string] | undefined,
): CallTransport {
  return {
    ...(definition
      ? {
          forwardable: {
            path: definition.path,
            bytes: call.request,
            metadata: call.metadata,
            deadline: call.getDeadline(),
          },
          decodeResponse: (bytes: Buffer) => definition.responseDeserialize(bytes) as object,
        }
      : {}),
    onCancel(listener) {
      const fire = () => listener(deadlinePassed(call.getDeadline()) ? 'DeadlineExceeded' : 'Canceled');
      if (call.cancelled) fire();
      else call.once('cancelled', fire);
    },
    dropConnection() {
      // grpc-js has no public way to reach a call's HTTP/2 session: it sits on the innermost call, beneath each
      // interceptor's nextCall. This path is checked by the drop and crash tests.
      type Layer = { stream?: { session?: { destroy(): void } }; nextCall?: Layer };
      let layer = (call as unknown as { call?: Layer }).call;
      while (layer && !layer.stream && layer.nextCall) layer = layer.nextCall;
      const session = layer?.stream?.session;
      if (!session) return false;
      session.destroy();
      return true;
    },
  };
}

// The server learns the deadline as a relative grpc-timeout, so its copy runs late by the transit time, and the
// client's own cancel at its deadline arrives first. A cancel this close to the deadline is the deadline.
const DEADLINE_SLACK_MS = 100;

function deadlinePassed(deadline: Deadline): boolean {
  const at = deadlineMs(deadline);
  return Number.isFinite(at) && Date.now() >= at - DEADLINE_SLACK_MS;
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(
          new DriverListenError(
            address,
            `cannot listen on ${address}: ${error.message}; pick another address or stop whatever holds it`,
            { cause: error },
          ),
        );
      } else resolve(port);
    });
  });
}

// A socket file left by a crashed driver would make bind fail; one that still answers belongs to a live driver.
async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) {
    throw new DriverListenError(
      `unix:${socketPath}`,
      `another process is already serving ${socketPath}; stop it or choose another --socket`,
    );
  }
  unlinkSync(socketPath);
}
