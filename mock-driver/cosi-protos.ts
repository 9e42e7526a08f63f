import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

// The two COSI eras one mock driver serves side by side.
export const COSI_ERAS = ['v1alpha1', 'v1alpha2'] as const;
export type CosiEra = (typeof COSI_ERAS)[number];

// Protobuf package per era; gRPC method paths are /<package>.<Service>/<Method>.
export const COSI_PACKAGES: Record<CosiEra, string> = {
  v1alpha1: 'cosi.v1alpha1',
  v1alpha2: 'sigs.k8s.io.cosi.v1alpha2',
};

// Absolute path of each era's .proto file, for clients that want to load the same contract.
export const COSI_PROTO_FILES: Record<CosiEra, string> = {
  v1alpha1: fileURLToPath(new URL('../proto/cosi.v1alpha1.proto', import.meta.url)),
  v1alpha2: fileURLToPath(new URL('../proto/cosi.v1alpha2.proto', import.meta.url)),
};

// keepCase keeps snake_case field names as in the .proto; enums as strings keep journal entries readable.
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface CosiServices {
  identity: ServiceDefinition;
  provisioner: ServiceDefinition;
}

const cache = new Map<CosiEra, CosiServices>();

// Loaded once per process: parsing the .proto files is the slow part of starting a driver.
export function loadCosiServices(era: CosiEra): CosiServices {
  const cached = cache.get(era);
  if (cached) return cached;
  const definition = protoLoader.loadSync(COSI_PROTO_FILES[era], PROTO_LOADER_OPTIONS);
  const pkg = COSI_PACKAGES[era];
  const services: CosiServices = {
    identity: definition[`${pkg}.Identity`] as ServiceDefinition,
    provisioner: definition[`${pkg}.Provisioner`] as ServiceDefinition,
  };
  cache.set(era, services);
  return services;
}

// Request message type per method name (DriverCreateBucket, ...), for decoding requests ourselves. Importing
// proto-loader registers google/protobuf/descriptor.proto with protobufjs, which both .proto files import.
export type CosiRequestTypes = Record<string, protobuf.Type>;

const requestTypeCache = new Map<CosiEra, CosiRequestTypes>();

export function loadCosiRequestTypes(era: CosiEra): CosiRequestTypes {
  const cached = requestTypeCache.get(era);
  if (cached) return cached;
  const root = new protobuf.Root().loadSync(COSI_PROTO_FILES[era], { keepCase: true });
  root.resolveAll();
  const types: CosiRequestTypes = {};
  for (const service of ['Identity', 'Provisioner']) {
    for (const method of Object.values(root.lookupService(`${COSI_PACKAGES[era]}.${service}`).methods)) {
      types[method.name] = method.resolvedRequestType as protobuf.Type;
    }
  }
  requestTypeCache.set(era, types);
  return types;
}
