import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILD_COSI_86,
  BUILD_V0_1_0,
  BUILD_V0_2_0,
  BUILD_V0_2_1,
  BUILD_V0_2_2,
  BUILD_V1ALPHA2_MAIN,
  type GoBuildRecipe,
} from '../harness/binaries/component-catalog.ts';
import { COSI_PROTO_FILES, type CosiEra } from '../mock-driver/index.ts';
import { downloadGoModule } from './proto-contract/go-module-source.ts';
import {
  type ContractDifference,
  diffProtoContracts,
  formatDifference,
} from './proto-contract/proto-contract-diff.ts';
import { type ProtoContractShape, readProtoContract } from './proto-contract/proto-contract-shape.ts';

// Our hand-written protos against the protos of exactly the sidecar builds the harness pins (component-catalog.ts),
// fetched through the Go module cache with the environment's GOPROXY/GONOSUMDB. A difference not listed as known
// fails; only a missing Go toolchain or a module version go cannot download skips, with go's own words as the reason.

const SPEC_MODULE = 'sigs.k8s.io/container-object-storage-interface-spec';
const PROTO_MODULE = 'sigs.k8s.io/container-object-storage-interface/proto';

interface UpstreamProto {
  // The catalog build whose sidecar speaks this proto.
  build: string;
  era: CosiEra;
  module: string;
  version: string;
  // The .proto file at the module root (named cosi.proto in every version here).
  file: string;
  // What our file has that this build's lacks (or the reverse); empty means identical.
  known: ContractDifference[];
}

// The module version a build's replace lines point `module` at ("new version" values of GoBuildRecipe.replaces).
function replacementOf(recipe: GoBuildRecipe, module: string): string {
  for (const [old, replacement] of Object.entries(recipe.replaces ?? {})) {
    const [path, version] = replacement.split(' ');
    if ((old === module || old.startsWith(`${module}@`)) && path === module && version) return version;
  }
  throw new Error(`${recipe.origin} has no replace line for ${module}`);
}

// BUILD_COSI_86 (SIDECAR_COSI_86, 6a5a12cb56ed) pins no spec version itself: its go.mod requires this one, checked
// against that go.mod below so a catalog bump cannot leave it stale.
const COSI_86_SPEC_VERSION = 'v0.1.1-0.20221006174327-ec782953b8ac';

const revokeAccessContext: ContractDifference = {
  path: 'message DriverRevokeBucketAccessRequest / field revoke_access_context',
  ours: 'map<string, string> = 3',
  upstream: null,
};

const UPSTREAM: UpstreamProto[] = [
  {
    build: 'v0.1.0',
    era: 'v1alpha1',
    module: SPEC_MODULE,
    version: replacementOf(BUILD_V0_1_0.sidecar, SPEC_MODULE),
    file: 'cosi.proto',
    // The two opaque context maps came later: delete_context by the 2022-10-06 spec, revoke_access_context by v0.2.0.
    known: [
      {
        path: 'message DriverDeleteBucketRequest / field delete_context',
        ours: 'map<string, string> = 2',
        upstream: null,
      },
      revokeAccessContext,
    ],
  },
  {
    build: 'COSI-86 6a5a12c',
    era: 'v1alpha1',
    module: SPEC_MODULE,
    version: COSI_86_SPEC_VERSION,
    file: 'cosi.proto',
    // This sidecar never sends revoke_access_context, so revokes carry no parameters of their own.
    known: [revokeAccessContext],
  },
  {
    build: 'v0.2.0',
    era: 'v1alpha1',
    module: PROTO_MODULE,
    version: replacementOf(BUILD_V0_2_0.sidecar, PROTO_MODULE),
    file: 'cosi.proto',
    known: [],
  },
  {
    build: 'v0.2.1',
    era: 'v1alpha1',
    module: PROTO_MODULE,
    version: replacementOf(BUILD_V0_2_1.sidecar, PROTO_MODULE),
    file: 'cosi.proto',
    known: [],
  },
  {
    build: 'v0.2.2',
    era: 'v1alpha1',
    module: PROTO_MODULE,
    version: replacementOf(BUILD_V0_2_2.sidecar, PROTO_MODULE),
    file: 'cosi.proto',
    known: [],
  },
  {
    build: 'v1alpha2 main ee00c26',
    era: 'v1alpha2',
    module: PROTO_MODULE,
    version: replacementOf(BUILD_V1ALPHA2_MAIN.sidecar, PROTO_MODULE),
    file: 'cosi.proto',
    known: [],
  },
];

function ourContract(era: CosiEra): ProtoContractShape {
  return readProtoContract(readFileSync(COSI_PROTO_FILES[era], 'utf8'), COSI_PROTO_FILES[era]);
}

// Downloads a module version, or skips the running test saying why it could not be had.
async function downloadOrSkip(module: string, version: string, skip: (note: string) => never) {
  const lookup = await downloadGoModule(module, version);
  if (!lookup.found) {
    const note = `upstream ${module}@${version} unavailable: ${lookup.reason}`;
    console.warn(`SKIP: ${note}`);
    skip(note);
  }
  return lookup;
}

async function upstreamContract(
  upstream: UpstreamProto,
  skip: (note: string) => never,
): Promise<ProtoContractShape> {
  const lookup = await downloadOrSkip(upstream.module, upstream.version, skip);
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

describe('proto contract against the upstream builds the harness pins', () => {
  for (const upstream of UPSTREAM) {
    const expectation =
      upstream.known.length === 0
        ? 'matches'
        : `differs only by ${upstream.known.length} known field(s) from`;
    it(`${upstream.build}: proto/cosi.${upstream.era}.proto ${expectation} ${upstream.module}@${upstream.version} ${upstream.file}`, async (ctx) => {
      // Ours first, so a file we cannot parse fails even where upstream is unavailable.
      const ours = ourContract(upstream.era);
      const theirs = await upstreamContract(upstream, ctx.skip);
      // Guard against comparing two empty shapes (e.g. a package lookup that silently found nothing).
      expect(Object.keys(theirs.messages).length).toBeGreaterThan(0);
      expect(Object.keys(theirs.services)).toEqual(['Identity', 'Provisioner']);
      const differences = diffProtoContracts(ours, theirs);
      expect(differences, report(differences)).toEqual(upstream.known);
    });
  }

  it(`COSI-86 6a5a12c: the sidecar's go.mod requires ${SPEC_MODULE}@${COSI_86_SPEC_VERSION}`, async (ctx) => {
    const { module, moduleVersion } = BUILD_COSI_86.sidecar;
    const sidecar = await downloadOrSkip(module, moduleVersion, ctx.skip);
    const goMod = readFileSync(sidecar.goMod, 'utf8');
    const required = new RegExp(
      `^\\s*(?:require\\s+)?${SPEC_MODULE.replaceAll('.', '\\.')}\\s+(v\\S+)`,
      'm',
    ).exec(goMod)?.[1];
    expect(required, `${module}@${moduleVersion} go.mod`).toBe(COSI_86_SPEC_VERSION);
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
