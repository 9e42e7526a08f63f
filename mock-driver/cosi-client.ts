import {
  type Client,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { COSI_PACKAGES, COSI_PROTO_FILES, type CosiEra, PROTO_LOADER_OPTIONS } from './cosi-protos.ts';
import { type GrpcCodeName, grpcCodeName } from './grpc-code-names.ts';
import { type DecodedRpcStatus, decodeRpcStatus } from './rpc-status-details.ts';

// A call's result as the client saw it; never throws for a gRPC status.
export interface CosiCallResult<T = Record<string, unknown>> {
  code: GrpcCodeName;
  response?: T;
  message?: string;
  // Decoded grpc-status-details-bin, when the driver sent one.
  status?: DecodedRpcStatus;
}

export interface CosiCallOptions {
  // Client deadline; default 5 s so a forgotten hang rule cannot stall a test forever.
  deadlineMs?: number;
}

export interface CosiClient {
  era: CosiEra;
  call<T = Record<string, unknown>>(
    method: string,
    request: object,
    options?: CosiCallOptions,
  ): Promise<CosiCallResult<T>>;
  close(): void;
}

// A plain grpc-js client for one era, built from this repo's .proto files; target is e.g. "unix:/tmp/x.sock".
export function connectCosiClient(era: CosiEra, target: string): CosiClient {
  const definition = protoLoader.loadSync(COSI_PROTO_FILES[era], PROTO_LOADER_OPTIONS);
  let pkg = loadPackageDefinition(definition) as GrpcObject;
  for (const part of COSI_PACKAGES[era].split('.')) pkg = pkg[part] as GrpcObject;
  type ClientCtor = new (
    target: string,
    creds: ReturnType<typeof credentials.createInsecure>,
    options?: object,
  ) => Client;
  const identity = new (pkg.Identity as unknown as ClientCtor)(target, credentials.createInsecure());
  // Share the channel so both services use one connection, like the sidecar does.
  const provisioner = new (pkg.Provisioner as unknown as ClientCtor)(target, credentials.createInsecure(), {
    channelOverride: identity.getChannel(),
  });
  return {
    era,
    call(method, request, options = {}) {
      const client = method === 'DriverGetInfo' ? identity : provisioner;
      const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method];
      if (typeof fn !== 'function') throw new Error(`${era} has no method ${method}`);
      const deadline = new Date(Date.now() + (options.deadlineMs ?? 5_000));
      return new Promise((resolve) => {
        fn.call(
          client,
          request,
          new Metadata(),
          { deadline },
          (error: ServiceError | null, response: never) => {
            if (!error) return resolve({ code: 'OK', response });
            const bin = error.metadata?.get('grpc-status-details-bin')[0];
            resolve({
              code: grpcCodeName(error.code),
              message: error.details,
              ...(bin instanceof Buffer ? { status: decodeRpcStatus(bin) } : {}),
            });
          },
        );
      });
    },
    close() {
      provisioner.close();
      identity.close();
    },
  };
}
