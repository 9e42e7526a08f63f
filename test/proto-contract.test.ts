import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COSI_PROTO_FILES, type CosiEra } from '../mock-driver/index.ts';
import { downloadGoModule } from './proto-contract/go-module-source.ts';
import {
  type ContractDifference,
  diffProtoContracts,
  formatDifference,
} from './proto-contract/proto-contract-diff.ts';
import { type ProtoContractShape, readProtoContract } from './proto-contract/proto-contract-shape.ts';

// Our hand-written protos against upstream's, fetched through the Go module cache. A difference fails;
// only a missing Go toolchain or an unavailable module version skips, with go's own words as the reason.

interface UpstreamProto {
  module: string;
  version: string;
  file: string;
}

// v1alpha2 lives on upstream main; the version our file names can be overridden when a tag or pseudo-version exists.
const UPSTREAM: Record<CosiEra, UpstreamProto> = {
  v1alpha1: {
    module: 'sigs.k8s.io/container-object-storage-interface/proto',
    version: 'v0.2.2',
    file: 'cosi.proto',
  },
  v1alpha2: {
    module: 'sigs.k8s.io/container-object-storage-interface/proto',
    version: process.env.COSI_V1ALPHA2_PROTO_VERSION ?? '73d293883c72da6a0d9f0e50ac3cbede1792d0a1',
    file: 'cosi.proto',
  },
};

// The spec module the v0.1.0 sidecar was built against: v0.2.2 added two opaque context maps, nothing else.
const SPEC_V010: UpstreamProto = {
  module: 'sigs.k8s.io/container-object-storage-interface-spec',
  version: 'v0.1.0',
  file: 'cosi.proto',
};
const KNOWN_SPEC_V010_DIFFERENCES: ContractDifference[] = [
  {
    path: 'message DriverDeleteBucketRequest / field delete_context',
    ours: 'map<string, string> = 2',
    upstream: null,
  },
  {
    path: 'message DriverRevokeBucketAccessRequest / field revoke_access_context',
    ours: 'map<string, string> = 3',
    upstream: null,
  },
];

function ourContract(era: CosiEra): ProtoContractShape {
  return readProtoContract(readFileSync(COSI_PROTO_FILES[era], 'utf8'), COSI_PROTO_FILES[era]);
}

// Reads upstream's file, or skips the running test saying why it could not be had.
async function upstreamContract(
  upstream: UpstreamProto,
  skip: (note: string) => never,
): Promise<ProtoContractShape> {
  const lookup = await downloadGoModule(upstream.module, upstream.version);
  if (!lookup.found) {
    const note = `upstream ${upstream.module}@${upstream.version} unavailable: ${lookup.reason}`;
    console.warn(`SKIP: ${note}`);
    skip(note);
  }
  const path = join(lookup.dir, upstream.file);
  return readProtoContract(
    readFileSync(path, 'utf8'),
    `${upstream.module}@${lookup.version}/${upstream.file}`,
  );
}

function report(differences: ContractDifference[]): string {
  return differences.length === 0
    ? 'no differences'
    : `${differences.length} difference(s):\n  ${differences.map(formatDifference).join('\n  ')}`;
}

describe('proto contract against upstream', () => {
  for (const era of ['v1alpha1', 'v1alpha2'] as const) {
    const upstream = UPSTREAM[era];
    it(`${era}: proto/cosi.${era}.proto matches ${upstream.module}@${upstream.version} ${upstream.file}`, async (ctx) => {
      // Ours first, so a file we cannot parse fails even where upstream is unavailable.
      const ours = ourContract(era);
      const theirs = await upstreamContract(upstream, ctx.skip);
      // Guard against comparing two empty shapes (e.g. a package lookup that silently found nothing).
      expect(Object.keys(theirs.messages).length).toBeGreaterThan(0);
      expect(Object.keys(theirs.services)).toEqual(['Identity', 'Provisioner']);
      const differences = diffProtoContracts(ours, theirs);
      expect(differences, report(differences)).toEqual([]);
    });
  }

  it(`v1alpha1: differs from ${SPEC_V010.module}@${SPEC_V010.version} only by the two context maps`, async (ctx) => {
    const theirs = await upstreamContract(SPEC_V010, ctx.skip);
    const differences = diffProtoContracts(ourContract('v1alpha1'), theirs);
    expect(differences, report(differences)).toEqual(KNOWN_SPEC_V010_DIFFERENCES);
  });
});

// The differ itself, on small inline protos, so the comparison above is known to be able to fail.
describe('proto contract differ', () => {
  const base = `
    syntax = "proto3";
    package demo.v1;
    service Store {
      rpc Put (PutRequest) returns (PutResponse);
      rpc Get (GetRequest) returns (stream GetResponse);
    }
    enum Color { UNKNOWN = 0; RED = 1; }
    message PutRequest {
      string name = 1;
      map<string, string> labels = 2;
      oneof body { bytes raw = 3; Nested nested = 4; }
      message Nested { repeated Color colors = 1; optional int64 size = 2; }
    }
    message PutResponse { string id = 1; }
    message GetRequest { string id = 1; }
    message GetResponse { bytes chunk = 1; }
  `;
  const read = (text: string) => readProtoContract(text, 'inline.proto');
  const diff = (changed: string) => diffProtoContracts(read(changed), read(base)).map(formatDifference);

  it('reads nested messages, maps, oneofs, proto3 optional and streaming', () => {
    const shape = read(base);
    expect(shape.package).toBe('demo.v1');
    expect(shape.services.Store?.Get).toEqual({
      requestType: 'GetRequest',
      responseType: 'GetResponse',
      requestStream: false,
      responseStream: true,
    });
    expect(shape.messages.PutRequest).toEqual({
      name: { number: 1, label: 'singular', type: 'string' },
      labels: { number: 2, label: 'map', type: 'string', keyType: 'string' },
      raw: { number: 3, label: 'singular', type: 'bytes', oneof: 'body' },
      nested: { number: 4, label: 'singular', type: 'PutRequest.Nested', oneof: 'body' },
    });
    expect(shape.messages['PutRequest.Nested']).toEqual({
      colors: { number: 1, label: 'repeated', type: 'Color' },
      size: { number: 2, label: 'optional', type: 'int64' },
    });
    expect(shape.enums.Color).toEqual({ UNKNOWN: 0, RED: 1 });
  });

  it('finds no difference between a file and itself', () => {
    expect(diff(base)).toEqual([]);
  });

  it('catches a changed field number', () => {
    expect(
      diff(
        base.replace('string id = 1; }\n    message GetRequest', 'string id = 2; }\n    message GetRequest'),
      ),
    ).toEqual(['message PutResponse / field id: ours number 2, upstream number 1']);
  });

  it('catches a renamed field, also inside a nested message', () => {
    expect(diff(base.replace('repeated Color colors = 1', 'repeated Color colours = 1'))).toEqual([
      'message PutRequest.Nested / field #1: ours named colours, upstream named colors',
    ]);
  });

  it('catches a missing rpc and a changed streaming flag', () => {
    const changed = base
      .replace('rpc Put (PutRequest) returns (PutResponse);', '')
      .replace('returns (stream GetResponse)', 'returns (GetResponse)');
    expect(diff(changed)).toEqual([
      'service Store / rpc Get: ours (GetRequest) returns (GetResponse), upstream (GetRequest) returns (stream GetResponse)',
      'service Store / rpc Put: only upstream has it ((PutRequest) returns (PutResponse))',
    ]);
  });

  it('catches type, label, map, oneof, enum and package changes', () => {
    const changed = base
      .replace('package demo.v1;', 'package demo.v2;')
      .replace('map<string, string> labels = 2', 'map<string, int32> labels = 2')
      .replace('optional int64 size = 2', 'int64 size = 2')
      .replace(
        'oneof body { bytes raw = 3; Nested nested = 4; }',
        'bytes raw = 3; oneof body { Nested nested = 4; }',
      )
      .replace('RED = 1;', 'RED = 2;')
      .replace('message GetResponse { bytes chunk = 1; }', 'message GetResponse { string chunk = 1; }');
    expect(diff(changed)).toEqual([
      'package: ours demo.v2, upstream demo.v1',
      'message GetResponse / field chunk: ours type string, upstream type bytes',
      'message PutRequest / field labels: ours type map<string, int32>, upstream type map<string, string>',
      'message PutRequest / field raw: ours in no oneof, upstream in oneof body',
      'message PutRequest.Nested / field size: ours type int64, upstream type optional int64',
      'enum Color / value RED: ours = 2, upstream = 1',
    ]);
  });

  it('catches missing and extra messages, enums and extensions', () => {
    const withExtras = base
      .replace('package demo.v1;', 'package demo.v1;\n    import "google/protobuf/descriptor.proto";')
      .concat(`
        extend google.protobuf.FieldOptions { bool secret = 5000; }
        enum Shade { DARK = 0; }
        message Extra { Shade shade = 1; }`);
    expect(diff(withExtras)).toEqual([
      'message Extra: only ours has it (1 field(s))',
      'enum Shade: only ours has it (DARK)',
      'extend google.protobuf.FieldOptions / field secret: only ours has it (bool = 5000)',
    ]);
    expect(diffProtoContracts(read(base), read(withExtras)).map(formatDifference)).toEqual([
      'message Extra: only upstream has it (1 field(s))',
      'enum Shade: only upstream has it (DARK)',
      'extend google.protobuf.FieldOptions / field secret: only upstream has it (bool = 5000)',
    ]);
  });
});
