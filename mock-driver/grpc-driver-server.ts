import { existsSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { CallDispatcher, CallTransport } from './call-dispatcher.ts';
import { loadCosiServices } from './cosi-protos.ts';
import type { EraAdapter } from './era-adapter.ts';
import { grpcCodeNumber } from './grpc-code-names.ts';
import { encodeRpcStatus } from './rpc-status-details.ts';

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
  const server = new Server();
  for (const adapter of adapters) {
    const services = loadCosiServices(adapter.era);
    const implementations: Record<'identity' | 'provisioner', UntypedServiceImplementation> = {
      identity: {},
      provisioner: {},
    };
    for (const [methodName, method] of Object.entries(adapter.methods)) {
      implementations[method.service][methodName] = (
        call: ServerUnaryCall<object, object>,
        callback: sendUnaryData<object>,
      ) => {
        dispatcher.dispatch(adapter, methodName, call.request, transportFor(call)).then(
          (outcome) => {
            if (outcome.kind === 'response') callback(null, outcome.response);
            else if (outcome.kind === 'error') {
              const metadata = new Metadata();
              const code = grpcCodeNumber(outcome.code);
              metadata.set(
                'grpc-status-details-bin',
                encodeRpcStatus(code, outcome.message, outcome.details),
              );
              callback({ code, details: outcome.message, metadata });
            }
          },
          (error: unknown) => callback({ code: grpcCodeNumber('Internal'), details: String(error) }),
        );
      };
    }
    server.addService(services.identity, implementations.identity);
    server.addService(services.provisioner, implementations.provisioner);
  }

  await removeStaleSocket(socketPath);
  await bind(server, `unix:${socketPath}`);
  let tcpPort: number | undefined;
  if (tcpAddress) tcpPort = await bind(server, tcpAddress);

  return {
    ...(tcpPort !== undefined ? { tcpPort } : {}),
    // forceShutdown cancels open calls, so hanging calls are journaled as Canceled instead of blocking stop.
    stop: async () => server.forceShutdown(),
    kill: () => server.forceShutdown(),
  };
}

function transportFor(call: ServerUnaryCall<object, object>): CallTransport {
  return {
    onCancel(listener) {
      const fire = () => listener(deadlinePassed(call.getDeadline()) ? 'DeadlineExceeded' : 'Canceled');
      if (call.cancelled) fire();
      else call.once('cancelled', fire);
    },
    dropConnection() {
      // grpc-js has no public way to reach a call's HTTP/2 session; this path is checked by the drop tests.
      const session = (call as unknown as { call?: { stream?: { session?: { destroy(): void } } } }).call
        ?.stream?.session;
      if (!session) return false;
      session.destroy();
      return true;
    },
  };
}

// The server learns the deadline as a relative grpc-timeout, so its copy runs late by the transit time, and the
// client's own cancel at its deadline arrives first. A cancel this close to the deadline is the deadline.
const DEADLINE_SLACK_MS = 100;

function deadlinePassed(deadline: Date | number): boolean {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
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
